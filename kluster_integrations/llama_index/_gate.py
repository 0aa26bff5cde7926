"""The one door every chat request goes through on its way to kluster.ai.

LlamaIndex's ``OpenAI`` LLM builds each request in two halves: ``_get_model_kwargs`` makes
the parameters and ``to_openai_message_dicts`` makes the messages, and the two meet only
in ``client.chat.completions.create(messages=..., **kwargs)``. So the adapter hands
LlamaIndex a client whose ``chat.completions.create`` first runs the whole request through
the core sanitizer and validator, and guards streamed answers.

``KlusterLLM._get_model_kwargs`` tags the request with the names of the parameters the user
set (``EXPLICIT_KEY``); the gate removes the tag before anything is sent.

Example::

    gate = RequestGate(strict=False)
    client = GatedOpenAI(openai.OpenAI(base_url=..., api_key=...), gate)
    client.chat.completions.create(model="m", messages=[...], max_tokens=64)
    # sent as {"model": "m", "messages": [...], "max_completion_tokens": 64}
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Collection, Iterator
from typing import Any

from openai import AsyncOpenAI, OpenAI

from kluster_integrations.core.responses import readable_response
from kluster_integrations.core.sanitizer import sanitize_request
from kluster_integrations.core.streaming import aguard_stream, guard_stream
from kluster_integrations.core.validation import check_request

logger = logging.getLogger("kluster_integrations.llama_index")

#: Key under which ``_get_model_kwargs`` passes the user-set parameter names to the gate.
EXPLICIT_KEY = "__kluster_explicit_parameters__"


class RequestGate:
    """Sanitizes and validates chat requests for one LLM object.

    Outside strict mode a parameter the user set is dropped with one warning per LLM
    object, not one per request; in strict mode it raises before sending.
    """

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def prepare(self, request: dict[str, Any]) -> dict[str, Any]:
        """The request as kluster.ai will accept it; raises instead of sending bad input."""
        request = dict(request)
        explicit: Collection[str] = request.pop(EXPLICIT_KEY, ())
        if self.strict:
            result = sanitize_request(request, explicit=explicit, policy="raise")
        else:
            with self._lock:
                fresh = set(explicit) - self._warned
            result = sanitize_request(request, explicit=fresh, policy="warn")
            dropped = {location.rsplit(".", 1)[-1] for location in result.dropped}
            with self._lock:
                self._warned.update(fresh & dropped)
        for change in result.changes:
            logger.debug("kluster.ai request: %s", change)
        check_request(result.request)
        return result.request


def _finish_reason(chunk: Any) -> str | None:
    return chunk.choices[0].finish_reason if chunk.choices else None


def _delta_text(chunk: Any) -> str | None:
    return chunk.choices[0].delta.content if chunk.choices else None


def _guarded(stream: Any) -> Iterator[Any]:
    try:
        yield from guard_stream(stream, finish_reason=_finish_reason, text=_delta_text)
    finally:
        stream.close()


async def _aguarded(stream: Any) -> AsyncIterator[Any]:
    try:
        async for chunk in aguard_stream(stream, finish_reason=_finish_reason,
                                         text=_delta_text):
            yield chunk
    finally:
        await stream.close()


class _Completions:
    def __init__(self, completions: Any, gate: RequestGate) -> None:
        self._completions = completions
        self._gate = gate

    def create(self, **request: Any) -> Any:
        clean = self._gate.prepare(request)
        with readable_response():
            response = self._completions.create(**clean)
        return _guarded(response) if clean.get("stream") else response


class _AsyncCompletions(_Completions):
    async def create(self, **request: Any) -> Any:  # type: ignore[override]
        clean = self._gate.prepare(request)
        with readable_response():
            response = await self._completions.create(**clean)
        return _aguarded(response) if clean.get("stream") else response


class _Chat:
    def __init__(self, completions: _Completions) -> None:
        self.completions = completions


class GatedOpenAI:
    """An ``openai.OpenAI`` whose ``chat.completions.create`` goes through ``RequestGate``.

    Everything else (``models``, ``embeddings``, ``close``...) is the wrapped client's own.
    """

    def __init__(self, client: OpenAI, gate: RequestGate) -> None:
        self._client = client
        self.chat = _Chat(_Completions(client.chat.completions, gate))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def __enter__(self) -> GatedOpenAI:
        self._client.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._client.__exit__(*exc_info)


class AsyncGatedOpenAI:
    """The ``openai.AsyncOpenAI`` counterpart of ``GatedOpenAI``."""

    def __init__(self, client: AsyncOpenAI, gate: RequestGate) -> None:
        self._client = client
        self.chat = _Chat(_AsyncCompletions(client.chat.completions, gate))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def __aenter__(self) -> AsyncGatedOpenAI:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._client.__aexit__(*exc_info)
