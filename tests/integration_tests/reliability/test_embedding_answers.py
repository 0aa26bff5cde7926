"""Vectors are matched to the texts they belong to, or the call fails: in all four
embedding paths of both classes. A server that reorders, drops, repeats or resizes
vectors must never get a vector attached to the wrong text (silent data corruption in a
vector store). Inputs that cannot be sent are refused before anything is sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from kluster_integrations.core.errors import (
    EmbeddingMismatchError,
    InvalidRequestError,
    MalformedResponseError,
)
from kluster_integrations.emulator._hostile import BROKEN_ELEMENT, BROKEN_VECTOR_INDEX
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding

TEXTS = ["kluster.ai", "LangChain", "LlamaIndex"]
Embed = Callable[[list[str]], list[list[float]]]


def _run_async(method: Callable[[list[str]], object]) -> Embed:
    return lambda texts: asyncio.run(method(texts))  # type: ignore[arg-type]


def embedders(
    langchain: dict[str, Any], llama_index: dict[str, Any]
) -> dict[str, Callable[[], Embed]]:
    """The four embedding paths, each class made with the options given for it."""

    def lc() -> KlusterEmbeddings:
        return KlusterEmbeddings(max_retries=0, **langchain)

    def li() -> KlusterEmbedding:
        return KlusterEmbedding(max_retries=0, **llama_index)

    return {
        "langchain-embed_documents": lambda: lc().embed_documents,
        "langchain-aembed_documents": lambda: _run_async(lc().aembed_documents),
        "llama_index-get_text_embedding_batch": lambda: li().get_text_embedding_batch,
        "llama_index-aget_text_embedding_batch": lambda: _run_async(li().aget_text_embedding_batch),
    }


EMBEDDERS = embedders({}, {})
#: The same paths asking for vectors as JSON numbers rather than base64.
FLOAT_EMBEDDERS = embedders(
    {"model_kwargs": {"encoding_format": "float"}},
    {"additional_kwargs": {"encoding_format": "float"}},
)


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


@pytest.mark.filterwarnings("ignore::kluster_integrations.core.models._catalog.UnknownModelWarning")
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


#: Hostile answers whose vector 1 is not numbers, and what the error says about it (the
#: emulator's ``BROKEN_VECTOR_INDEX`` and ``BROKEN_ELEMENT``).
NOT_NUMBERS = {
    "null_vector": "is None, not a list of numbers",
    "vector_not_a_list": "is dict, not a list of numbers",
    "none_elements": "holds None at position 0",
    "text_elements": "holds 'x' at position 0",
    "bool_elements": "holds True at position 0",
    "nan_element": f"holds nan at position {BROKEN_ELEMENT}",
    "infinite_element": f"holds inf at position {BROKEN_ELEMENT}",
    "not_base64": "is not valid base64",
    "base64_nan": f"holds nan at position {BROKEN_ELEMENT}",
    "base64_cut": "decodes to 4095 bytes",
}


@pytest.mark.parametrize("answer", sorted(NOT_NUMBERS))
def test_vector_that_is_not_numbers_names_its_index(
    embed: Embed, answer: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer=answer, path="/v1/embeddings")
    with pytest.raises(MalformedResponseError) as caught:
        embed(TEXTS)
    assert f"vector at index {BROKEN_VECTOR_INDEX} {NOT_NUMBERS[answer]}" in str(caught.value)
    assert kluster_env.embedding_requests()[0]["encoding_format"] == "base64"  # as before
    assert len(kluster_env.embedding_requests()) == 1


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("nan_element", NOT_NUMBERS["nan_element"]),
        ("bool_elements", NOT_NUMBERS["bool_elements"]),
        ("not_base64", "is str, not a list of numbers"),
    ],
)
@pytest.mark.parametrize("embedder", sorted(FLOAT_EMBEDDERS))
def test_float_encoding_checks_the_numbers_too(
    embedder: str, answer: str, problem: str, kluster_env: KlusterEmulator
) -> None:
    embed = FLOAT_EMBEDDERS[embedder]()
    kluster_env.add_fault(answer=answer, path="/v1/embeddings")
    with pytest.raises(MalformedResponseError, match=f"vector at index 1 {problem}"):
        embed(TEXTS)
    assert kluster_env.embedding_requests()[0]["encoding_format"] == "float"
    float32 = KlusterEmbeddings().embed_query(TEXTS[0])  # the default wire format
    assert embed(TEXTS)[0] == pytest.approx(float32, abs=1e-7)  # good answers pass


@pytest.mark.parametrize(
    "make",
    [
        lambda: KlusterEmbeddings(max_retries=0).embed_query,
        lambda: KlusterEmbedding().get_query_embedding,
    ],
    ids=["langchain", "llama_index"],
)
def test_a_single_null_vector_is_named(
    make: Callable[[], Callable[[str], object]], kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer="null_vector", path="/v1/embeddings")
    with pytest.raises(MalformedResponseError, match="vector at index 0 is None"):
        make()("kluster.ai")


def test_base64_asked_for_by_name_gives_the_same_vectors(kluster_env: KlusterEmulator) -> None:
    as_base64 = embedders(
        {"model_kwargs": {"encoding_format": "base64"}},
        {"additional_kwargs": {"encoding_format": "base64"}},
    )
    default = EMBEDDERS["langchain-embed_documents"]()(TEXTS)
    for name, embed in sorted(as_base64.items()):
        assert embed()(TEXTS) == default, name
