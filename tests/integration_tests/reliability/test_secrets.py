"""The API key never shows: not in repr/str, DEBUG logs, exceptions or serialized objects.

LlamaIndex's renderings and a successful call's logs are covered in
tests/integration_tests/llama_index/test_secrets.py, ChatKluster's repr and ``dumps`` in
tests/integration_tests/langchain/test_identity.py; here the rest, failing calls included.
"""

from __future__ import annotations

import json
import logging
import traceback

import openai
import pytest
from langchain_core.load import dumps

from kluster_integrations.core.errors import InvalidAPIKeyError
from kluster_integrations.emulator import KlusterEmulator
from kluster_integrations.langchain import ChatKluster, KlusterEmbeddings
from kluster_integrations.llama_index import KlusterEmbedding, KlusterLLM
from tests.integration_tests.reliability.adapters import CHAT_CALLS, ChatCall

SECRET = "kl-SECRET-5f0e1d2c3b4a"
LOGGERS = (
    "openai",
    "httpx",
    "httpcore",
    "langchain",
    "langchain_core",
    "langchain_openai",
    "llama_index",
    "kluster_integrations",
)
ADAPTERS = [ChatKluster, KlusterEmbeddings, KlusterLLM, KlusterEmbedding]


@pytest.fixture
def secret_env(kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch) -> KlusterEmulator:
    monkeypatch.setenv("KLUSTER_API_KEY", SECRET)
    return kluster_env


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def chain_text(error: BaseException) -> str:
    """Every message in the exception and its causes, as printed in a traceback."""
    return "".join(traceback.format_exception_only(type(error), error)) + "".join(
        chain_text(e) for e in (error.__cause__, error.__context__) if e is not None
    )


def test_langchain_embeddings_renderings(secret_env: KlusterEmulator) -> None:
    embeddings = KlusterEmbeddings()
    assert embeddings.openai_api_key.get_secret_value() == SECRET
    for text in (
        repr(embeddings),
        str(embeddings),
        str(embeddings.model_dump()),
        dumps(embeddings),
    ):
        assert SECRET not in text


def test_chat_kluster_serialized_forms(secret_env: KlusterEmulator) -> None:
    llm = ChatKluster()
    for text in (dumps(llm, pretty=True), json.dumps(llm.to_json()), str(llm.model_dump())):
        assert SECRET not in text


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_debug_logs_of_good_and_failing_calls(
    call: ChatCall, secret_env: KlusterEmulator, debug_logs: pytest.LogCaptureFixture
) -> None:
    assert call.run(max_retries=0)
    secret_env.add_fault(status=503, retry_after=0.01, times=5)
    with pytest.raises(openai.InternalServerError) as caught:
        call.run(max_retries=1)
    assert {r.name.split(".")[0] for r in debug_logs.records} >= {"openai", "httpcore"}
    assert SECRET not in debug_logs.text
    assert SECRET not in chain_text(caught.value)


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_rejected_key_error_does_not_quote_it(
    call: ChatCall, secret_env: KlusterEmulator, debug_logs: pytest.LogCaptureFixture
) -> None:
    secret_env.settings.api_key = "the-only-accepted-key"
    with pytest.raises(openai.AuthenticationError) as caught:
        call.run(max_retries=0)
    assert SECRET not in chain_text(caught.value) and SECRET not in repr(caught.value)
    assert SECRET not in debug_logs.text


@pytest.mark.parametrize("make", ADAPTERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize(
    "broken",
    ["kl-\nSECRET", "kl SECRET", "kl-SÉCRET", "kl-\x00SECRET"],
    ids=["newline", "space", "non-ascii", "control"],
)
def test_a_key_no_header_can_carry_is_refused_without_quoting_it(
    make: type, broken: str, kluster_env: KlusterEmulator
) -> None:
    with pytest.raises(InvalidAPIKeyError) as caught:
        make(api_key=broken)
    assert "SECRET" not in chain_text(caught.value)
    assert kluster_env.requests == []
