"""Embeddings that fit their inputs, or a typed error: checked before and after the request.

``CheckedEmbeddings`` wraps the openai SDK's ``embeddings`` resource (sync or async) that
both frameworks call. Before sending it refuses an empty model id and inputs that cannot be
sent (``None``, lone surrogates) with ``InvalidRequestError``. After, it orders the vectors
by ``index`` and raises ``EmbeddingMismatchError`` when their count differs from the
inputs', an index is missing or repeated, or a vector's dimension is not the model's
(``core.contract.EMBEDDING_DIMENSIONS_BY_MODEL``; other models: all the same length). An
answer that is not an embedding list at all, or a vector that is not finite numbers
(``null``, text, ``true``, NaN, infinity, broken base64), is ``MalformedResponseError``
naming the vector's index. The SDK's errors of the setup (nothing at the base URL, HTTP
401, 403, 404) are raised as errors that say what to fix (``_setup_errors``).

Vectors travel as base64 unless ``encoding_format`` says otherwise, as the openai SDK would
send them; they are decoded here rather than in the SDK, so a broken one is named too, and
the frameworks get numbers when base64 was asked for by name as well.

Example::

    embeddings = CheckedEmbeddings(openai.OpenAI(...).embeddings)
    embeddings.create(input=["a", "b"], model="BAAI/bge-m3").data   # 2 vectors, in order
"""

from __future__ import annotations

import binascii
import inspect
import math
import sys
from array import array
from base64 import b64decode
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from openai.types import CreateEmbeddingResponse

from kluster_integrations.core.answer._readable import parsed_answer
from kluster_integrations.core.answer._setup_errors import setup_errors
from kluster_integrations.core.contract import EMBEDDING_DIMENSIONS_BY_MODEL
from kluster_integrations.core.cost import Charge, charge_for, record
from kluster_integrations.core.errors import (
    EmbeddingMismatchError,
    InvalidRequestError,
    MalformedResponseError,
)
from kluster_integrations.core.request import lone_surrogate_problem
from kluster_integrations.core.transport import build_answer, masked_excerpt


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


def checked_embedding_answer(
    answer: Any, *, inputs: int, model: str, decode_base64: bool = False
) -> Any:
    """``answer`` with ``data`` ordered by index, or the error that says why it cannot be.

    ``decode_base64``: vectors are base64 text (float32, little-endian) to be replaced by
    their numbers, as the openai SDK does when it chose the encoding."""
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
    vectors = [_numbers(entry, index, decode_base64) for index, entry in enumerate(data)]
    _check_dimensions(vectors, model)
    return answer


def _numbers(entry: Any, index: int, decode_base64: bool) -> Any:
    """The vector of ``entry`` (at ``index``) as finite numbers; base64 decoded in place."""
    as_dict = isinstance(entry, dict)
    vector = entry.get("embedding") if as_dict else getattr(entry, "embedding", None)
    if decode_base64 and isinstance(vector, str):
        vector = _decoded(vector, index)
        if as_dict:
            entry["embedding"] = vector
        else:
            entry.embedding = vector
        problem = None if _all_finite(vector) else _number_problem(vector)
    else:
        problem = vector_problem(vector)
    if problem is not None:
        raise _not_numbers(f"the vector at index {index} {problem}")
    return vector


_NUMBER_TYPES = frozenset({float, int})


def vector_problem(vector: Any) -> str | None:
    """What keeps ``vector`` from being a list of finite numbers (``None``: nothing).

    >>> vector_problem([0.5, -1, 2e-3])
    >>> vector_problem([0.5, None])
    'holds None at position 1, not a number'
    """
    if not isinstance(vector, list):
        kind = "None" if vector is None else type(vector).__name__
        return f"is {kind}, not a list of numbers"
    if set(map(type, vector)) <= _NUMBER_TYPES and _all_finite(vector):
        return None
    return _number_problem(vector)


def _all_finite(numbers: list[Any]) -> bool:
    """True when ``numbers`` (floats and ints) are all finite; a NaN or infinity makes the
    sum NaN or infinite. (A sum past the float range errs on the safe side: slow check.)"""
    try:
        return math.isfinite(sum(numbers))
    except OverflowError:  # an int too large for a float
        return False


def _number_problem(vector: list[Any]) -> str | None:
    for position, value in enumerate(vector):
        if type(value) not in _NUMBER_TYPES:
            return f"holds {value!r:.40} at position {position}, not a number"
        try:
            if not math.isfinite(value):
                return f"holds {value!r} at position {position}, not a finite number"
        except OverflowError:
            return f"holds a number too large for a float at position {position}"
    return None


def _decoded(text: str, index: int) -> list[float]:
    """Base64 ``text`` as the float32 numbers it packs."""
    try:
        packed = b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise _not_numbers(f"the vector at index {index} is not valid base64 ({err})") from None
    if len(packed) % 4:
        raise _not_numbers(
            f"the vector at index {index} decodes to {len(packed)} bytes, not whole float32 "
            "numbers (4 bytes each)"
        )
    numbers = array("f", packed)
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers.tolist()


def _not_numbers(detail: str) -> MalformedResponseError:
    return _unusable(MalformedResponseError, detail, "no broken vector reaches a vector store")


def _check_dimensions(vectors: Sequence[Any], model: str) -> None:
    sizes = {len(v) for v in vectors if isinstance(v, list)}
    expected = EMBEDDING_DIMENSIONS_BY_MODEL.get(model)
    if expected is not None and sizes - {expected}:
        raise _mismatch(f"{model} vectors have {expected} dimensions, these have {sorted(sizes)}")
    if len(sizes) > 1:
        raise _mismatch(f"the vectors have different dimensions: {sorted(sizes)}")


def _mismatch(detail: str) -> EmbeddingMismatchError:
    return _unusable(EmbeddingMismatchError, detail, "no vector is attached to the wrong text")


_Unusable = TypeVar("_Unusable", bound=MalformedResponseError)


def _unusable(kind: type[_Unusable], detail: str, spared: str) -> _Unusable:
    return kind(
        detail,
        status=200,
        content_type="application/json",
        fix=f"Nothing was returned, so {spared}. Retry; if it keeps happening, check that the "
        "base URL points at the kluster.ai API.",
    )


class CheckedEmbeddings:
    """The openai SDK's ``embeddings`` resource, with inputs and answers checked (sync and
    async: ``create`` returns what the wrapped ``create`` returns, checked). Each answer is
    priced (``core.cost``: recorded in every open ``track_cost`` block) and its charge
    given to ``on_charge`` when set (an adapter placing it in its framework)."""

    def __init__(self, embeddings: Any, on_charge: Callable[[Charge], None] | None = None) -> None:
        self._embeddings = embeddings
        self._on_charge = on_charge

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embeddings, name)

    def create(self, *, input: Any, model: Any, **kwargs: Any) -> Any:
        problems = embedding_input_problems(model, input)
        if problems:
            raise InvalidRequestError(problems)
        # Without a format the SDK would ask for base64 and decode it itself; asked for by
        # name, it leaves the answer alone, and ``checked_embedding_answer`` decodes it (the
        # frameworks want numbers, whichever format travelled).
        if not isinstance(kwargs.get("encoding_format"), str):
            kwargs["encoding_format"] = "base64"
        check = _AnswerCheck(
            _input_count(input), model, kwargs["encoding_format"] == "base64", self._on_charge
        )
        raw_create = self._embeddings.with_raw_response.create
        if inspect.iscoroutinefunction(self._embeddings.create):
            return self._checked_later(raw_create(input=input, model=model, **kwargs), check)
        with setup_errors(model=model, purpose="embeddings"):
            return check.built(raw_create(input=input, model=model, **kwargs))

    @staticmethod
    async def _checked_later(raw: Awaitable[Any], check: _AnswerCheck) -> Any:
        with setup_errors(model=check.model, purpose="embeddings"):
            return check.built(await raw)


@dataclass(frozen=True)
class _AnswerCheck:
    """What the answer to one request is checked against."""

    inputs: int
    model: str
    decode_base64: bool
    on_charge: Callable[[Charge], None] | None = None

    def built(self, raw: Any) -> Any:
        """The checked ``CreateEmbeddingResponse`` of the raw response ``raw``: its JSON is
        checked as sent (a ``true`` in a vector is still a bool), then built by pydantic."""
        data = parsed_answer(raw, object)
        charge = charge_for(self.model, data.get("usage") if isinstance(data, dict) else None)
        record(charge)
        if self.on_charge is not None:
            self.on_charge(charge)
        checked_embedding_answer(
            data, inputs=self.inputs, model=self.model, decode_base64=self.decode_base64
        )
        return build_answer(CreateEmbeddingResponse, data)


class WithCheckedEmbeddings:
    """An openai client (sync or async) whose ``embeddings`` is a ``CheckedEmbeddings``."""

    def __init__(self, client: Any, on_charge: Callable[[Charge], None] | None = None) -> None:
        self._client = client
        self.embeddings = CheckedEmbeddings(client.embeddings, on_charge)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)
