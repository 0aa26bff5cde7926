"""The openai client ``KlusterLLM`` hands LlamaIndex: it prepares every chat request and
checks every answer on the way.

LlamaIndex's ``OpenAI`` LLM builds each request in two halves: ``_get_model_kwargs`` makes
the parameters and ``to_openai_message_dicts`` makes the messages, and the two meet only
in ``client.chat.completions.create(messages=..., **kwargs)``. So the adapter hands
LlamaIndex a client whose ``chat.completions.create`` first runs the whole request through
the core sanitizer and validator, carries out prompted tool calling
(``core.tools.send``), and guards streamed answers.

``KlusterLLM._get_model_kwargs`` tags the request with the names of the parameters the user
chose (``llama_index._framework.USER_CHOSEN_KEY``); ``KlusterLLM._prepare`` removes the tag
and runs the core ``RequestPreparer`` before anything is sent.

Example::

    client = PreparedOpenAI(openai.OpenAI(base_url=..., api_key=...), llm._prepare)
    client.chat.completions.create(model="m", messages=[...], max_tokens=64)
    # sent as {"model": "m", "messages": [...], "max_completion_tokens": 64}
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from openai import AsyncOpenAI, OpenAI

from kluster_integrations.core.answer import (
    aguard_stream,
    aparsed_create,
    check_chat_chunk,
    check_chat_completion,
    guard_stream,
    parsed_create,
    readable_response,
    reject_placeholder_completion,
)
from kluster_integrations.core.tools import asend, send

#: Turns a request as LlamaIndex built it into the one to send (``KlusterLLM._prepare``).
Preparer = Callable[[dict[str, Any]], dict[str, Any]]


def _finish_reason(chunk: Any) -> str | None:
    return chunk.choices[0].finish_reason if chunk.choices else None


def _delta_text(chunk: Any) -> str | None:
    return chunk.choices[0].delta.content if chunk.choices else None


class _CheckedChunks:
    """The SDK's stream, each chunk checked for a usable shape before anyone reads it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[Any]:
        for chunk in self._stream:
            check_chat_chunk(chunk)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[Any]:
        async for chunk in self._stream:
            check_chat_chunk(chunk)
            yield chunk

    def close(self) -> Any:
        return self._stream.close()


def _checking(create: Callable[..., Any]) -> Callable[..., Any]:
    """``create`` whose answers are checked (``core.answer``) before the prompted-tool
    layer or LlamaIndex reads them."""

    def checked(**request: Any) -> Any:
        answer = create(**request)
        if request.get("stream"):
            return _CheckedChunks(answer)
        check_chat_completion(answer)
        return answer

    return checked


def _achecking(create: Callable[..., Any]) -> Callable[..., Any]:
    """The async form of ``_checking``."""

    async def checked(**request: Any) -> Any:
        answer = await create(**request)
        if request.get("stream"):
            return _CheckedChunks(answer)
        check_chat_completion(answer)
        return answer

    return checked


def _guarded(stream: Any) -> Iterator[Any]:
    try:
        yield from guard_stream(stream, finish_reason=_finish_reason, text=_delta_text)
    finally:
        stream.close()


async def _aguarded(stream: Any) -> AsyncIterator[Any]:
    try:
        async for chunk in aguard_stream(stream, finish_reason=_finish_reason, text=_delta_text):
            yield chunk
    finally:
        await stream.close()


class _Completions:
    def __init__(self, completions: Any, prepare: Preparer) -> None:
        self._completions = completions
        self._prepare = prepare

    def create(self, **request: Any) -> Any:
        clean = self._prepare(request)
        with readable_response():
            response = send(_checking(parsed_create(self._completions)), clean)
        if clean.get("stream"):
            return _guarded(response)
        reject_placeholder_completion(response)
        return response


class _AsyncCompletions(_Completions):
    async def create(self, **request: Any) -> Any:
        clean = self._prepare(request)
        with readable_response():
            response = await asend(_achecking(aparsed_create(self._completions)), clean)
        if clean.get("stream"):
            return _aguarded(response)
        reject_placeholder_completion(response)
        return response


class _Chat:
    def __init__(self, completions: _Completions) -> None:
        self.completions = completions


class PreparedOpenAI:
    """An ``openai.OpenAI`` whose ``chat.completions.create`` prepares each request first.

    Everything else (``models``, ``embeddings``, ``close``...) is the wrapped client's own.
    """

    def __init__(self, client: OpenAI, prepare: Preparer) -> None:
        self._client = client
        self.chat = _Chat(_Completions(client.chat.completions, prepare))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def __enter__(self) -> PreparedOpenAI:
        self._client.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._client.__exit__(*exc_info)


class AsyncPreparedOpenAI:
    """The ``openai.AsyncOpenAI`` counterpart of ``PreparedOpenAI``."""

    def __init__(self, client: AsyncOpenAI, prepare: Preparer) -> None:
        self._client = client
        self.chat = _Chat(_AsyncCompletions(client.chat.completions, prepare))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def __aenter__(self) -> AsyncPreparedOpenAI:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._client.__aexit__(*exc_info)
