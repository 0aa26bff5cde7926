"""The value limits in ``core/contract/_api.py`` are the ones enforced: temperature range and
the embeddings input length, read from the contract rather than restated."""

from __future__ import annotations

import pytest

from kluster_integrations.core.contract import EMBEDDING_MAX_INPUT_TOKENS, TEMPERATURE_RANGE
from kluster_integrations.core.errors import InvalidRequestError, KlusterError
from kluster_integrations.core.request import request_problems

LOW, HIGH = TEMPERATURE_RANGE


def request(temperature: float) -> dict[str, object]:
    return {
        "model": "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": temperature,
    }


@pytest.mark.parametrize("temperature", [LOW, (LOW + HIGH) / 2, HIGH])
def test_temperatures_in_the_contract_range_pass(temperature: float) -> None:
    assert request_problems(request(temperature)) == []


@pytest.mark.parametrize("temperature", [LOW - 0.01, HIGH + 0.01])
def test_temperatures_outside_the_contract_range_are_named(temperature: float) -> None:
    assert request_problems(request(temperature)) == [
        f"`temperature` must be a number from {LOW:g} to {HIGH:g}, not {temperature!r}."
    ]


def test_token_mode_embeddings_error_quotes_the_contract_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kluster_integrations.langchain.embeddings import KlusterEmbeddings

    monkeypatch.setenv("KLUSTER_API_KEY", "a-key")  # raised in the constructor: nothing is sent
    with pytest.raises(InvalidRequestError) as caught:
        KlusterEmbeddings(check_embedding_ctx_length=True, tiktoken_enabled=True)
    assert isinstance(caught.value, KlusterError)
    assert isinstance(caught.value, ValueError)
    assert f"texts up to {EMBEDDING_MAX_INPUT_TOKENS:,} tokens" in str(caught.value)
