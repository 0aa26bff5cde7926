"""Fixtures for the LlamaIndex adapter tests: real LlamaIndex, real openai SDK, real HTTP to
the kluster.ai emulator (``kluster_env`` from the project's pytest plugin)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core import Settings, VectorStoreIndex

from kluster_integrations.demo._llama_index_rag import load_corpus
from kluster_integrations.emulator._refusals import contract_violations, embedding_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM


def assert_contract_kept(emulator: KlusterEmulator) -> None:
    """Every chat and embeddings body the emulator received is one kluster.ai accepts."""
    for body in emulator.chat_requests():
        assert contract_violations(body) == [], body
        assert "max_tokens" not in body
    for body in emulator.embedding_requests():
        assert embedding_violations(body, 2048) == [], body


@pytest.fixture(autouse=True)
def _no_openai_fallback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may quietly fall back to LlamaIndex's OpenAI defaults: without an OpenAI key
    such a fallback raises. Global Settings are restored after each test."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    saved = (Settings._llm, Settings._embed_model)
    yield
    Settings._llm, Settings._embed_model = saved


@pytest.fixture
def llm(kluster_env: KlusterEmulator) -> KlusterLLM:
    return KlusterLLM(max_tokens=64, max_retries=0)


@pytest.fixture
def embed_model(kluster_env: KlusterEmulator) -> KlusterEmbedding:
    return KlusterEmbedding(max_retries=0)


@pytest.fixture
def index(kluster_env: KlusterEmulator, embed_model: KlusterEmbedding) -> VectorStoreIndex:
    built = VectorStoreIndex.from_documents(load_corpus(), embed_model=embed_model)
    kluster_env.reset()
    return built


def user_texts(body: dict[str, Any]) -> str:
    """All message text of one request body, joined."""
    return "\n".join(str(m.get("content")) for m in body["messages"])
