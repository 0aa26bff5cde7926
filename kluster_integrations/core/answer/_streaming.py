"""Make sure a streamed answer is whole, or say clearly that it is not.

A stream that stops before a chunk with ``finish_reason`` is an incomplete answer, whether
the connection dropped (httpx raises a transport error) or the body just ended. Both become
``StreamInterruptedError``. An error event (the SDK's ``APIError``) has the API key masked
in its message, ``args`` and ``body``. An event whose JSON cannot be read is
``MalformedResponseError``, except ``[DONE]`` padded with spaces, which ends the stream as
the plain marker does. The adapters wrap their chunk iterators with these guards.

Example::

    for chunk in guard_stream(chunks, finish_reason=lambda c: c.finish_reason,
                              text=lambda c: c.text):
        print(chunk.text, end="")
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TypeVar

import httpx
import openai

from kluster_integrations.core.errors import MalformedResponseError, StreamInterruptedError
from kluster_integrations.core.transport import mask_error_fields, masked_excerpt, request_key

T = TypeVar("T")


def guard_stream(
    chunks: Iterable[T],
    *,
    finish_reason: Callable[[T], str | None],
    text: Callable[[T], str | None],
) -> Iterator[T]:
    """Yield ``chunks`` unchanged; raise ``StreamInterruptedError`` if no finish reason came."""
    received = 0
    finished = False
    try:
        for chunk in chunks:
            received += len(text(chunk) or "")
            finished = finished or bool(finish_reason(chunk))
            yield chunk
    except openai.APIError as exc:  # an error event may quote the key (HTTP 200: unmasked)
        mask_error_fields(exc, request_key())
        raise
    except httpx.TransportError as exc:
        raise StreamInterruptedError(received) from exc
    except json.JSONDecodeError as exc:
        _unless_done_marker(exc)
    if not finished:
        raise StreamInterruptedError(received)


def _unless_done_marker(exc: json.JSONDecodeError) -> None:
    """Return for a ``[DONE]`` marker with extra spaces; raise for any other bad event."""
    if exc.doc.strip() != "[DONE]":
        raise MalformedResponseError(
            f"a stream event is not valid JSON ({exc.msg})",
            content_type="text/event-stream",
            excerpt=masked_excerpt(exc.doc),
        ) from exc


async def aguard_stream(
    chunks: AsyncIterator[T],
    *,
    finish_reason: Callable[[T], str | None],
    text: Callable[[T], str | None],
) -> AsyncIterator[T]:
    """The async form of ``guard_stream``."""
    received = 0
    finished = False
    try:
        async for chunk in chunks:
            received += len(text(chunk) or "")
            finished = finished or bool(finish_reason(chunk))
            yield chunk
    except openai.APIError as exc:  # an error event may quote the key (HTTP 200: unmasked)
        mask_error_fields(exc, request_key())
        raise
    except httpx.TransportError as exc:
        raise StreamInterruptedError(received) from exc
    except json.JSONDecodeError as exc:
        _unless_done_marker(exc)
    if not finished:
        raise StreamInterruptedError(received)
