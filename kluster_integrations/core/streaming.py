"""Make sure a streamed answer is whole, or say clearly that it is not.

A stream that stops before a chunk with ``finish_reason`` is an incomplete answer, whether
the connection dropped (httpx raises a transport error) or the body just ended. Both become
``StreamInterruptedError``. The adapters wrap their chunk iterators with these guards.

Example::

    for chunk in guard_stream(chunks, finish_reason=lambda c: c.finish_reason,
                              text=lambda c: c.text):
        print(chunk.text, end="")
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TypeVar

import httpx

from kluster_integrations.core.errors import StreamInterruptedError

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
    except httpx.TransportError as exc:
        raise StreamInterruptedError(received) from exc
    if not finished:
        raise StreamInterruptedError(received)


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
    except httpx.TransportError as exc:
        raise StreamInterruptedError(received) from exc
    if not finished:
        raise StreamInterruptedError(received)
