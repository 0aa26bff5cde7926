"""Embeddings that fit their inputs, or a typed error: checked before and after the request.

``CheckedEmbeddings`` wraps the openai SDK's ``embeddings`` resource (sync or async) that
both frameworks call. Before sending it refuses an empty model id and inputs that cannot be
sent (``None``, lone surrogates) with ``InvalidRequestError``. After, it orders the vectors
by ``index`` and raises ``EmbeddingMismatchError`` when their count differs from the
inputs', an index is missing or repeated, or a vector's dimension is not the model's
(``core.contract.EMBEDDING_DIMENSIONS_BY_MODEL``; other models: all the same length). An
answer that is not an embedding list at all is ``MalformedResponseError``.

Example::

    embeddings = CheckedEmbeddings(openai.OpenAI(...).embeddings)
    embeddings.create(input=["a", "b"], model="BAAI/bge-m3").data   # 2 vectors, in order
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kluster_integrations.core.contract import EMBEDDING_DIMENSIONS_BY_MODEL
from kluster_integrations.core.errors import (
    EmbeddingMismatchError,
    InvalidRequestError,
    MalformedResponseError,
)
from kluster_integrations.core.guards import masked_excerpt
from kluster_integrations.core.text import lone_surrogate_problem


def embedding_input_problems(model: Any, inputs: Any) -> list[str]:
    """What keeps an embeddings request from being sent; empty when it can go."""
    problems = []
    if not isinstance(model, str) or not model.strip():
        problems.append(
            f"`model` must name a kluster.ai embeddings model (BAAI/bge-m3), not {model!r}."
        )
    texts = inputs if isinstance(inputs, list | tuple) else [inputs]
    if texts and all(isinstance(t, int) for t in texts):
        return problems  # one input given as token ids
    for i, text in enumerate(texts):
        if isinstance(text, list | tuple) and all(isinstance(t, int) for t in text):
            continue
        if not isinstance(text, str):
            problems.append(
                f"input[{i}] is {type(text).__name__}, not text: embed strings "
                "only (drop or replace empty entries first)."
            )
            continue
        problem = lone_surrogate_problem(text)
        if problem:
            problems.append(f"input[{i}] {problem}")
    return problems


def _input_count(inputs: Any) -> int:
    if isinstance(inputs, list | tuple) and not all(isinstance(t, int) for t in inputs):
        return len(inputs)
    return 1


def checked_embedding_answer(answer: Any, *, inputs: int, model: str) -> Any:
    """``answer`` with ``data`` ordered by index, or the error that says why it cannot be."""
    data = getattr(answer, "data", None) if not isinstance(answer, dict) else answer.get("data")
    if not isinstance(data, list):
        raise MalformedResponseError(
            "the answer is not an embedding list",
            status=200,
            content_type="application/json",
            excerpt=masked_excerpt(repr(answer)),
        )

    def index_of(entry: Any) -> Any:
        return entry.get("index") if isinstance(entry, dict) else getattr(entry, "index", None)

    indexes = [index_of(entry) for entry in data]
    if len(data) != inputs:
        raise _mismatch(f"{len(data)} vectors came back for {inputs} inputs")
    if sorted(i for i in indexes if isinstance(i, int)) != list(range(inputs)):
        raise _mismatch(
            f"the vectors' indexes are {indexes[:10]}, not each of 0..{inputs - 1} once"
        )
    data.sort(key=index_of)
    _check_dimensions(
        [
            entry.get("embedding") if isinstance(entry, dict) else getattr(entry, "embedding", None)
            for entry in data
        ],
        model,
    )
    return answer


def _check_dimensions(vectors: Sequence[Any], model: str) -> None:
    sizes = {len(v) for v in vectors if isinstance(v, list)}
    expected = EMBEDDING_DIMENSIONS_BY_MODEL.get(model)
    if expected is not None and sizes - {expected}:
        raise _mismatch(f"{model} vectors have {expected} dimensions, these have {sorted(sizes)}")
    if len(sizes) > 1:
        raise _mismatch(f"the vectors have different dimensions: {sorted(sizes)}")


def _mismatch(detail: str) -> EmbeddingMismatchError:
    return EmbeddingMismatchError(
        detail,
        status=200,
        content_type="application/json",
        fix="Nothing was returned, so no vector is attached to the wrong text. Retry; if it "
        "keeps happening, check that the base URL points at the kluster.ai API.",
    )


@contextmanager
def _sdk_shape_errors() -> Iterator[None]:
    """The SDK decodes base64 vectors by walking ``answer.data``; an answer of another
    shape fails there with ``AttributeError`` / ``TypeError`` before it reaches a check."""
    try:
        yield
    except (AttributeError, TypeError) as err:
        raise MalformedResponseError(
            "the answer is not an embedding list", status=200, content_type="application/json"
        ) from err


class CheckedEmbeddings:
    """The openai SDK's ``embeddings`` resource, with inputs and answers checked (sync and
    async: ``create`` returns what the wrapped ``create`` returns, checked)."""

    def __init__(self, embeddings: Any) -> None:
        self._embeddings = embeddings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embeddings, name)

    def create(self, *, input: Any, model: Any, **kwargs: Any) -> Any:
        problems = embedding_input_problems(model, input)
        if problems:
            raise InvalidRequestError(problems)
        if inspect.iscoroutinefunction(self._embeddings.create):
            return self._checked_later(input=input, model=model, **kwargs)
        with _sdk_shape_errors():
            answer = self._embeddings.create(input=input, model=model, **kwargs)
        return checked_embedding_answer(answer, inputs=_input_count(input), model=model)

    async def _checked_later(self, *, input: Any, model: str, **kwargs: Any) -> Any:
        with _sdk_shape_errors():
            answer = await self._embeddings.create(input=input, model=model, **kwargs)
        return checked_embedding_answer(answer, inputs=_input_count(input), model=model)


class WithCheckedEmbeddings:
    """An openai client (sync or async) whose ``embeddings`` is a ``CheckedEmbeddings``."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.embeddings = CheckedEmbeddings(client.embeddings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)
