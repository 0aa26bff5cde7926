"""Vectors are matched to the texts they belong to, or the call fails: in all four
embedding paths of both classes. A server that reorders, drops, repeats or resizes
vectors must never get a vector attached to the wrong text (silent data corruption in a
vector store). Inputs that cannot be sent are refused before anything is sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from kluster_integrations.core.errors import (
    EmbeddingMismatchError,
    InvalidRequestError,
    MalformedResponseError,
)
from kluster_integrations.emulator import KlusterEmulator
from kluster_integrations.langchain import KlusterEmbeddings
from kluster_integrations.llama_index import KlusterEmbedding

TEXTS = ["kluster.ai", "LangChain", "LlamaIndex"]
Embed = Callable[[list[str]], list[list[float]]]


def _run_async(method: Callable[[list[str]], object]) -> Embed:
    return lambda texts: asyncio.run(method(texts))  # type: ignore[arg-type]


EMBEDDERS: dict[str, Callable[[], Embed]] = {
    "langchain-embed_documents": lambda: KlusterEmbeddings(max_retries=0).embed_documents,
    "langchain-aembed_documents": lambda: _run_async(
        KlusterEmbeddings(max_retries=0).aembed_documents
    ),
    "llama_index-get_text_embedding_batch": lambda: (
        KlusterEmbedding(max_retries=0).get_text_embedding_batch
    ),
    "llama_index-aget_text_embedding_batch": lambda: _run_async(
        KlusterEmbedding(max_retries=0).aget_text_embedding_batch
    ),
}


@pytest.fixture(params=sorted(EMBEDDERS))
def embed(request: pytest.FixtureRequest, kluster_env: KlusterEmulator) -> Embed:
    return EMBEDDERS[request.param]()


def test_reordered_answer_is_put_back_in_input_order(
    embed: Embed, kluster_env: KlusterEmulator
) -> None:
    expected = embed(TEXTS)
    kluster_env.add_fault(answer="reversed", path="/v1/embeddings")
    assert embed(TEXTS) == expected
    assert expected[0] != expected[2]  # else the order could not show


@pytest.mark.parametrize("answer", ["short", "repeated_index", "wrong_dimensions"])
def test_answer_that_does_not_fit_the_inputs(
    embed: Embed, answer: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer=answer, path="/v1/embeddings")
    with pytest.raises(EmbeddingMismatchError):
        embed(TEXTS)
    assert len(kluster_env.embedding_requests()) == 1


@pytest.mark.parametrize("bad", [None, "a\ud800b"], ids=["None", "lone-surrogate"])
def test_unsendable_input_is_refused_before_sending(
    embed: Embed, bad: object, kluster_env: KlusterEmulator
) -> None:
    with pytest.raises(InvalidRequestError, match=r"input\[1\]"):
        embed(["fine", bad])  # type: ignore[list-item]
    assert kluster_env.embedding_requests() == []


@pytest.mark.filterwarnings("ignore::kluster_integrations.core.catalog.UnknownModelWarning")
@pytest.mark.parametrize(
    "make",
    [
        lambda: KlusterEmbeddings(model="").embed_query,
        lambda: KlusterEmbedding(model="").get_text_embedding,
    ],
    ids=["langchain", "llama_index"],
)
def test_empty_model_is_refused_before_sending(
    make: Callable[[], Callable[[str], object]], kluster_env: KlusterEmulator
) -> None:
    with pytest.raises((InvalidRequestError, ValueError), match="model"):
        make()("x")
    assert kluster_env.embedding_requests() == []


@pytest.mark.parametrize("answer", ["html_page", "json_list", "json_null"])
def test_answer_that_is_not_an_embedding_list(
    embed: Embed, answer: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer=answer, path="/v1/embeddings")
    with pytest.raises(MalformedResponseError) as caught:
        embed(TEXTS)
    assert not isinstance(caught.value, EmbeddingMismatchError)
    assert len(kluster_env.embedding_requests()) == 1
