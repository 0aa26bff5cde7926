from __future__ import annotations

import httpx
import pytest

from kluster_integrations.core.answer import aguard_stream, guard_stream
from kluster_integrations.core.errors import StreamInterruptedError

CHUNKS = [("Hel", None), ("lo", None), ("", "stop")]


def guard(chunks):
    return guard_stream(chunks, finish_reason=lambda c: c[1], text=lambda c: c[0])


def test_complete_stream_passes_through():
    assert list(guard(CHUNKS)) == CHUNKS


def test_stream_without_finish_reason_raises_after_yielding_what_came():
    seen = []
    with pytest.raises(StreamInterruptedError) as info:
        for chunk in guard(CHUNKS[:2]):
            seen.append(chunk)
    assert seen == CHUNKS[:2]
    assert info.value.received_chars == 5
    assert "incomplete" in str(info.value)


def test_dropped_connection_becomes_stream_interrupted():
    def dropping():
        yield CHUNKS[0]
        raise httpx.RemoteProtocolError("peer closed connection")

    with pytest.raises(StreamInterruptedError) as info:
        list(guard(dropping()))
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


async def test_async_guard():
    async def chunks(items):
        for item in items:
            yield item

    got = [
        c
        async for c in aguard_stream(
            chunks(CHUNKS), finish_reason=lambda c: c[1], text=lambda c: c[0]
        )
    ]
    assert got == CHUNKS
    with pytest.raises(StreamInterruptedError):
        async for _ in aguard_stream(
            chunks(CHUNKS[:1]), finish_reason=lambda c: c[1], text=lambda c: c[0]
        ):
            pass
