from __future__ import annotations

import math

import openai
import pytest

from kluster_integrations.core.contract import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDING_MODEL,
    EMBEDDING_MAX_INPUTS,
    KNOWN_MODELS,
)


@pytest.fixture
def client(kluster_emulator):
    return openai.OpenAI(base_url=kluster_emulator.base_url, api_key="k", max_retries=0)


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeddings_are_unit_vectors_of_1024(client, kluster_emulator):
    result = client.embeddings.create(model=DEFAULT_EMBEDDING_MODEL, input=["a cat", "a dog"])
    assert [d.index for d in result.data] == [0, 1]
    for item in result.data:
        assert len(item.embedding) == 1024
        assert math.isclose(math.sqrt(sum(v * v for v in item.embedding)), 1.0, rel_tol=1e-6)
    assert kluster_emulator.embedding_requests() == [
        {"model": DEFAULT_EMBEDDING_MODEL, "input": ["a cat", "a dog"], "encoding_format": "base64"}
    ]


def test_similar_texts_are_closer(client):
    data = client.embeddings.create(
        model=DEFAULT_EMBEDDING_MODEL,
        input=["rate limits for the trial tier", "trial tier rate limits", "embedding vectors"],
    ).data
    assert cosine(data[0].embedding, data[1].embedding) > cosine(
        data[0].embedding, data[2].embedding
    )


def test_float_and_base64_agree(client):
    floats = (
        client.embeddings.create(
            model=DEFAULT_EMBEDDING_MODEL, input="x y", encoding_format="float"
        )
        .data[0]
        .embedding
    )
    decoded = client.embeddings.create(model=DEFAULT_EMBEDDING_MODEL, input="x y").data[0].embedding
    assert all(
        math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-7) for a, b in zip(floats, decoded, strict=True)
    )


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"input": "x", "dimensions": 256}, "dimensions"),
        ({"input": [[1, 2, 3]]}, "input"),
        ({"input": [123]}, "input"),
        ({"input": ["x"] * (EMBEDDING_MAX_INPUTS + 1)}, "input"),
    ],
)
def test_refused_embedding_requests(client, kwargs, param):
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model=DEFAULT_EMBEDDING_MODEL, **kwargs)
    assert info.value.body["param"] == param


def test_chat_model_on_embeddings_is_400(client):
    with pytest.raises(openai.BadRequestError, match="not an embeddings model"):
        client.embeddings.create(model=DEFAULT_CHAT_MODEL, input="x")


def test_models_listing(client, kluster_emulator):
    assert {m.id for m in client.models.list()} == set(KNOWN_MODELS)
    extended = client.models.list(extra_query={"extended": "true"}).data
    gemma = next(m for m in extended if m.id == "google/gemma-3-27b-it")
    assert gemma.model_extra["context_length"] == 64_000
    assert gemma.model_extra["output_length"] == 8_192
    assert "vision" in gemma.model_extra["tags"]
