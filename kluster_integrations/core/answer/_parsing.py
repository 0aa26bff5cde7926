"""Chat answers built by pydantic's validator instead of the openai SDK's loose constructor.

The openai SDK turns each answer's JSON into ``ChatCompletion`` / ``ChatCompletionChunk``
objects without validating them (``construct``), walking the type hints in Python: about
65 µs for a short completion and 30 µs per streamed chunk, more than everything this package
adds to a call. ``CompletionParser`` and ``ChunkParser`` plug into the SDK's own hook for
building answers (a class with a ``build`` class method, given to ``parse(to=...)``; kept in
``core/transport/_sdk.py`` with the SDK's other private parts) and
build the same objects with ``model_validate`` (about 4 µs); the one difference is that a
value the schema's type accepts is converted (a numeric string ``created`` becomes an int).
An answer that does not fit the SDK's schema is built the SDK's way, so nothing that was
read before fails now.

``parsed_create`` wraps ``client.chat.completions`` so that ``create(**request)`` returns a
``ChatCompletion`` or a ``Stream`` of ``ChatCompletionChunk`` built this way.

Example::

    create = parsed_create(openai.OpenAI(...).chat.completions)
    completion = create(model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", messages=[...])
    type(completion)  # openai.types.chat.ChatCompletion
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from openai import AsyncStream, Stream

from kluster_integrations.core.answer._readable import parsed_answer
from kluster_integrations.core.transport import ChunkParser, CompletionParser, build_answer

__all__ = [
    "ChunkParser",
    "CompletionParser",
    "ParsedRawResponse",
    "aparsed_create",
    "build_answer",
    "parsed_create",
    "parser_for",
]


def parser_for(request: Mapping[str, Any], *, is_async: bool = False) -> Any:
    """What to give ``raw_response.parse(to=...)`` for an answer to ``request``."""
    if request.get("stream"):
        return AsyncStream[ChunkParser] if is_async else Stream[ChunkParser]
    return CompletionParser


def parsed_create(completions: Any) -> Callable[..., Any]:
    """``completions.create`` (sync) with the answer built by ``CompletionParser`` /
    ``ChunkParser``."""

    def create(**request: Any) -> Any:
        return parsed_answer(completions.with_raw_response.create(**request), parser_for(request))

    return create


def aparsed_create(completions: Any) -> Callable[..., Awaitable[Any]]:
    """The async form of ``parsed_create``."""

    async def create(**request: Any) -> Any:
        raw = await completions.with_raw_response.create(**request)
        return parsed_answer(raw, parser_for(request, is_async=True))

    return create


class ParsedRawResponse:
    """A raw response (``with_raw_response.create``) whose ``parse()`` builds the answer as
    above; everything else is the SDK's raw response."""

    def __init__(self, raw: Any, request: Mapping[str, Any], *, is_async: bool = False) -> None:
        self._raw = raw
        self._to = parser_for(request, is_async=is_async)

    def parse(self) -> Any:
        return parsed_answer(self._raw, self._to)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)
