"""KlusterEmbeddings over real HTTP to the emulator."""

from __future__ import annotations

import asyncio

import pytest

from kluster_integrations.core.contract import DEFAULT_EMBEDDING_MODEL, EMBEDDING_MAX_INPUTS
from kluster_integrations.core.errors import (
    InvalidRequestError,
    MissingAPIKeyError,
    UnsupportedParameterError,
)
from kluster_integrations.emulator._refusals import embedding_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.embeddings import KlusterEmbeddings


def assert_clean_wire(emulator: KlusterEmulator) -> list[dict]:
    bodies = emulator.embedding_requests()
    assert bodies
    for body in bodies:
        assert embedding_violations(body, EMBEDDING_MAX_INPUTS) == []
        assert body["model"] == DEFAULT_EMBEDDING_MODEL
        assert all(isinstance(text, str) for text in body["input"])  # never token ids
        assert "dimensions" not in body
    return bodies


def test_defaults_and_vectors(emulator: KlusterEmulator) -> None:
    embeddings = KlusterEmbeddings()
    assert embeddings.model == DEFAULT_EMBEDDING_MODEL
    vectors = embeddings.embed_documents(["kluster ai", "langchain adapters"])
    assert [len(v) for v in vectors] == [1024, 1024]
    assert embeddings.embed_query("kluster ai") == vectors[0]
    assert_clean_wire(emulator)


def test_batches_never_exceed_the_limit(emulator: KlusterEmulator) -> None:
    texts = [f"text number {i}" for i in range(EMBEDDING_MAX_INPUTS + 5)]
    assert len(KlusterEmbeddings().embed_documents(texts)) == len(texts)
    assert [len(b["input"]) for b in assert_clean_wire(emulator)] == [EMBEDDING_MAX_INPUTS, 5]


async def test_async_batches(emulator: KlusterEmulator) -> None:
    vectors = await KlusterEmbeddings(chunk_size=2).aembed_documents(["a", "b", "c", "d", "e"])
    assert len(vectors) == 5
    assert [len(b["input"]) for b in assert_clean_wire(emulator)] == [2, 2, 1]


def test_long_text_goes_as_text(emulator: KlusterEmulator) -> None:
    KlusterEmbeddings().embed_query("word " * 9000)
    assert assert_clean_wire(emulator)[0]["input"] == ["word " * 9000]


def test_dimensions_is_refused_before_sending(emulator: KlusterEmulator) -> None:
    with pytest.raises(UnsupportedParameterError, match="dimensions"):
        KlusterEmbeddings(dimensions=256)
    with pytest.raises(UnsupportedParameterError, match="dimensions"):
        KlusterEmbeddings().embed_documents(["a"], dimensions=256)
    assert emulator.embedding_requests() == []


def test_bad_chunk_size_and_token_mode_are_refused(emulator: KlusterEmulator) -> None:
    with pytest.raises(InvalidRequestError):
        KlusterEmbeddings(chunk_size=EMBEDDING_MAX_INPUTS + 1)
    with pytest.raises(ValueError, match="token ids"):
        KlusterEmbeddings(check_embedding_ctx_length=True, tiktoken_enabled=True)
    assert emulator.embedding_requests() == []


def test_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLUSTER_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError):
        KlusterEmbeddings()


def test_async_across_event_loops(emulator: KlusterEmulator) -> None:
    embeddings = KlusterEmbeddings(max_retries=0)
    assert asyncio.run(embeddings.aembed_documents(["a", "b"]))
    assert asyncio.run(embeddings.aembed_query("c"))
    assert len(assert_clean_wire(emulator)) == 2
