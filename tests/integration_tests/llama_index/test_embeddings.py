"""KlusterEmbedding: kluster.ai's model and endpoint, batches, nothing OpenAI-only sent."""

from __future__ import annotations

import asyncio
import math
import warnings
from typing import Any

import pytest

from kluster_integrations.core.contract import DEFAULT_EMBEDDING_MODEL, EMBEDDING_MAX_INPUTS
from kluster_integrations.core.errors import (
    InvalidRequestError,
    MissingAPIKeyError,
    UnknownModelWarning,
    UnsupportedParameterError,
)
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.embeddings import KlusterEmbedding

from .conftest import assert_contract_kept

TEXTS = [f"kluster.ai fact number {i}" for i in range(5)]


def test_default_model_and_endpoint(
    embed_model: KlusterEmbedding, kluster_env: KlusterEmulator
) -> None:
    vector = embed_model.get_query_embedding("What is kluster.ai?")
    assert len(vector) == 1024
    assert math.isclose(sum(v * v for v in vector), 1.0, rel_tol=1e-4)
    (body,) = kluster_env.embedding_requests()
    assert body["model"] == DEFAULT_EMBEDDING_MODEL
    assert body["input"] == ["What is kluster.ai?"]
    assert embed_model.model_name == DEFAULT_EMBEDDING_MODEL
    assert KlusterEmbedding.class_name() == "KlusterEmbedding"
    assert_contract_kept(kluster_env)


def test_batches_respect_embed_batch_size(kluster_env: KlusterEmulator) -> None:
    vectors = KlusterEmbedding(embed_batch_size=2).get_text_embedding_batch(TEXTS)
    assert len(vectors) == 5
    assert [len(b["input"]) for b in kluster_env.embedding_requests()] == [2, 2, 1]


async def test_async_batches(kluster_env: KlusterEmulator) -> None:
    vectors = await KlusterEmbedding(embed_batch_size=3).aget_text_embedding_batch(TEXTS)
    assert len(vectors) == 5
    assert sorted(len(b["input"]) for b in kluster_env.embedding_requests()) == [2, 3]
    assert_contract_kept(kluster_env)


def test_batch_size_above_the_api_limit_is_refused(kluster_env: KlusterEmulator) -> None:
    with pytest.raises(InvalidRequestError, match=str(EMBEDDING_MAX_INPUTS)):
        KlusterEmbedding(embed_batch_size=EMBEDDING_MAX_INPUTS + 1)
    assert kluster_env.requests == []


@pytest.mark.parametrize(
    "arguments", [{"dimensions": 256}, {"additional_kwargs": {"dimensions": 256}}]
)
def test_dimensions_is_refused_before_sending(
    kluster_env: KlusterEmulator, arguments: dict
) -> None:
    with pytest.raises(UnsupportedParameterError, match="dimensions"):
        KlusterEmbedding(**arguments)
    assert kluster_env.embedding_requests() == []


def test_accepted_extra_parameters_are_sent(kluster_env: KlusterEmulator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        embed_model = KlusterEmbedding(additional_kwargs={"encoding_format": "float"})
    embed_model.get_text_embedding("hello")
    assert kluster_env.embedding_requests()[0]["encoding_format"] == "float"


def test_chat_model_is_refused(kluster_env: KlusterEmulator) -> None:
    with pytest.raises(ValueError, match="not an embeddings model"):
        KlusterEmbedding(model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo")


def test_unknown_model_warns(kluster_env: KlusterEmulator) -> None:
    with pytest.warns(UnknownModelWarning):
        KlusterEmbedding(model="my-org/new-embedder")


def test_missing_key_fails_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLUSTER_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError):
        KlusterEmbedding()


@pytest.mark.parametrize("query", [None, "a\ud800b"], ids=["None", "lone surrogate"])
def test_bad_query_is_refused_before_sending(kluster_env: KlusterEmulator, query: Any) -> None:
    embed = KlusterEmbedding(max_retries=0)
    with pytest.raises(InvalidRequestError):
        embed.get_query_embedding(query)
    with pytest.raises(InvalidRequestError):
        asyncio.run(embed.aget_query_embedding(query))
    assert kluster_env.embedding_requests() == []
