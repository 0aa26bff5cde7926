from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

import httpx
import pytest

from kluster_integrations.core.answer import StreamGuard
from kluster_integrations.core.errors import StreamInterruptedError

CHUNKS = [("Hel", None), ("lo", None), ("", "stop")]


def guarded(chunks: Iterable[tuple[str, str | None]]) -> Iterator[tuple[str, str | None]]:
    """The loop the answer path runs, on (text, finish reason) pairs."""
    guard = StreamGuard()
    with guard.reading():
        for chunk in chunks:
            guard.saw(*chunk)
            yield chunk
    guard.check_whole()


def test_complete_stream_passes_through():
    assert list(guarded(CHUNKS)) == CHUNKS


def test_stream_without_finish_reason_raises_after_yielding_what_came():
    seen = []
    with pytest.raises(StreamInterruptedError) as info:
        for chunk in guarded(CHUNKS[:2]):
            seen.append(chunk)
    assert seen == CHUNKS[:2]
    assert info.value.received_chars == 5
    assert "incomplete" in str(info.value)


def test_dropped_connection_becomes_stream_interrupted():
    def dropping():
        yield CHUNKS[0]
        raise httpx.RemoteProtocolError("peer closed connection")

    with pytest.raises(StreamInterruptedError) as info:
        list(guarded(dropping()))
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)
    assert info.value.received_chars == 3


async def test_the_guard_reads_an_async_loop_too():
    async def chunks(items: list[tuple[str, str | None]]) -> AsyncIterator[tuple[str, str | None]]:
        for item in items:
            yield item

    async def aguarded(items: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
        guard, got = StreamGuard(), []
        with guard.reading():
            async for chunk in chunks(items):
                guard.saw(*chunk)
                got.append(chunk)
        guard.check_whole()
        return got

    assert await aguarded(CHUNKS) == CHUNKS
    with pytest.raises(StreamInterruptedError):
        await aguarded(CHUNKS[:1])
