"""Rate limits and server errors: retried the way the openai SDK promises, then a typed error.

The wait before each retry is read from the SDK's own retry log (``retry_waits``); the only
clock reading is a lower bound on the whole call.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import openai
import pytest

from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from tests.integration_tests.reliability.adapters import CHAT_CALLS, ChatCall

ADVISED_WAIT = 0.3
EMBEDDINGS = "/v1/embeddings"


def retry_counts(emulator: KlusterEmulator) -> list[str]:
    """The openai SDK's ``x-stainless-retry-count`` header of every request received."""
    return [r.headers.get("x-stainless-retry-count", "?") for r in emulator.requests]


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_429_is_retried_after_the_advised_wait(
    call: ChatCall, kluster_env: KlusterEmulator, retry_waits: Callable[[], list[float]]
) -> None:
    kluster_env.add_fault(status=429, retry_after=ADVISED_WAIT)
    started = time.monotonic()
    assert call.run(max_retries=2)
    assert time.monotonic() - started >= ADVISED_WAIT
    assert retry_waits() == [ADVISED_WAIT]
    assert retry_counts(kluster_env) == ["0", "1"]


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_server_errors_are_retried_then_raise(
    call: ChatCall, kluster_env: KlusterEmulator, retry_waits: Callable[[], list[float]]
) -> None:
    kluster_env.add_fault(status=500, times=10)
    with pytest.raises(openai.InternalServerError) as caught:
        call.run(max_retries=1)
    assert caught.value.status_code == 500
    assert retry_counts(kluster_env) == ["0", "1"]
    assert len(retry_waits()) == 1 and retry_waits()[0] > 0


@pytest.mark.parametrize("call", [CHAT_CALLS[0], CHAT_CALLS[4]], ids=str)
def test_backoff_grows_until_max_retries(
    call: ChatCall, kluster_env: KlusterEmulator, retry_waits: Callable[[], list[float]]
) -> None:
    kluster_env.add_fault(status=503, times=10)
    with pytest.raises(openai.InternalServerError):
        call.run(max_retries=2)
    assert retry_counts(kluster_env) == ["0", "1", "2"]
    first, second = retry_waits()
    assert 0 < first < second


@pytest.mark.parametrize("call", [CHAT_CALLS[0], CHAT_CALLS[4]], ids=str)
def test_a_server_recovering_within_the_retries_answers(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(status=503, retry_after=0.01, times=2)
    kluster_env.queue_replies("Recovered.")
    assert call.run(max_retries=2) == "Recovered."
    assert retry_counts(kluster_env) == ["0", "1", "2"]


@pytest.mark.parametrize("call", [CHAT_CALLS[0], CHAT_CALLS[5]], ids=str)
def test_client_errors_are_not_retried(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(status=400)
    with pytest.raises(openai.BadRequestError):
        call.run(max_retries=3)
    assert len(kluster_env.requests) == 1


def _langchain_embed(**options: object) -> object:
    return KlusterEmbeddings(**options).embed_query("kluster.ai")


def _llama_index_embed(**options: object) -> object:
    return KlusterEmbedding(**options).get_text_embedding("kluster.ai")


@pytest.mark.parametrize(
    "embed", [_langchain_embed, _llama_index_embed], ids=["langchain", "llama_index"]
)
def test_embeddings_retry_like_chat(
    embed: Callable[..., object],
    kluster_env: KlusterEmulator,
    retry_waits: Callable[[], list[float]],
) -> None:
    kluster_env.add_fault(status=429, retry_after=ADVISED_WAIT, path=EMBEDDINGS)
    assert embed(max_retries=2)
    assert retry_waits() == [ADVISED_WAIT]
    kluster_env.reset()
    kluster_env.add_fault(status=500, times=10, path=EMBEDDINGS)
    with pytest.raises(openai.InternalServerError):
        embed(max_retries=1)
    assert retry_counts(kluster_env) == ["0", "1"]
