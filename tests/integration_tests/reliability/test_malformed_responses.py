"""A body that is not JSON becomes ``MalformedResponseError`` (cause chained), on every path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from kluster_integrations.core.errors import (
    KlusterError,
    MalformedResponseError,
)
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from tests.integration_tests.reliability.adapters import CHAT_CALLS, ChatCall


def assert_malformed(caught: pytest.ExceptionInfo[MalformedResponseError]) -> None:
    assert isinstance(caught.value, KlusterError) and isinstance(caught.value, ValueError)
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)
    assert "not valid JSON" in str(caught.value) and "KLUSTER_BASE_URL" in str(caught.value)


@pytest.mark.parametrize("call", [c for c in CHAT_CALLS if not c.streams], ids=str)
def test_chat_answer_that_is_not_json(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(malformed=True)
    with pytest.raises(MalformedResponseError) as caught:
        call.run(max_retries=2)
    assert_malformed(caught)
    assert len(kluster_env.chat_requests()) == 1


@pytest.mark.parametrize("call", [c for c in CHAT_CALLS if c.streams], ids=str)
def test_stream_answer_that_is_not_events(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    """Not an interrupted stream to retry: the URL is probably wrong, and the error says so."""
    kluster_env.add_fault(malformed=True)
    with pytest.raises(MalformedResponseError, match="base URL probably"):
        call.run(max_retries=0)


#: Each embeddings path, called with the ``max_retries`` given.
EMBEDDING_CALLS: dict[str, Callable[[int], object]] = {
    "langchain-embed_query": lambda retries: KlusterEmbeddings(max_retries=retries).embed_query(
        "x"
    ),
    "langchain-aembed_documents": lambda retries: asyncio.run(
        KlusterEmbeddings(max_retries=retries).aembed_documents(["x"])
    ),
    "llama_index-get_text_embedding": lambda retries: KlusterEmbedding(
        max_retries=retries
    ).get_text_embedding("x"),
    "llama_index-aget_query_embedding": lambda retries: asyncio.run(
        KlusterEmbedding(max_retries=retries).aget_query_embedding("x")
    ),
}


@pytest.mark.parametrize("name", sorted(EMBEDDING_CALLS))
def test_embedding_answer_that_is_not_json(name: str, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(malformed=True, path="/v1/embeddings")
    with pytest.raises(MalformedResponseError) as caught:
        EMBEDDING_CALLS[name](0)
    assert_malformed(caught)
    assert len(kluster_env.embedding_requests()) == 1


# An integer longer than Python reads from text (4,300 digits): an unusable answer, not
# retried, whichever path read it.


def assert_unreadable_number(caught: pytest.ExceptionInfo[MalformedResponseError]) -> None:
    assert isinstance(caught.value.__cause__, ValueError)
    assert "JSON cannot be read" in str(caught.value) and "4300 digits" in str(caught.value)


@pytest.mark.parametrize("call", [c for c in CHAT_CALLS if not c.streams], ids=str)
def test_chat_answer_with_a_huge_integer(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(answer="huge_integer", times=3)
    with pytest.raises(MalformedResponseError) as caught:
        call.run(max_retries=2)
    assert_unreadable_number(caught)
    assert len(kluster_env.chat_requests()) == 1


@pytest.mark.parametrize("name", sorted(EMBEDDING_CALLS))
def test_embedding_answer_with_a_huge_integer(name: str, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(answer="huge_integer", path="/v1/embeddings", times=3)
    with pytest.raises(MalformedResponseError) as caught:
        EMBEDDING_CALLS[name](2)
    assert_unreadable_number(caught)
    assert len(kluster_env.embedding_requests()) == 1
