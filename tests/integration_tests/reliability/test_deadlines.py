"""A call ends on time, whatever the server does: ``deadline`` bounds a whole call (all
attempts; streams when given), ``stream_idle_timeout`` stops a stream that sends keep-alive
comments or drips a line instead of data. The emulator's slow answers give up after
``SLOW_FOR_AT_MOST`` seconds, so without the guards these tests fail rather than hang."""

from __future__ import annotations

import asyncio

import langchain_openai
import pytest

from kluster_integrations.core.errors import DeadlineExceededError, StreamIdleTimeoutError
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from tests.integration_tests.reliability.adapters import CHAT_CALLS, STREAMING_CALLS, ChatCall

WHOLE_CALLS = [call for call in CHAT_CALLS if not call.streams]


@pytest.mark.parametrize("call", WHOLE_CALLS, ids=str)
def test_dripped_body_stops_at_the_deadline(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    """One byte every 0.2 s never trips the per-read timeout; the deadline stops it."""
    kluster_env.add_fault(answer="drip")
    with pytest.raises(DeadlineExceededError):
        call.run(deadline=1.0, timeout=5, max_retries=2)
    assert len(kluster_env.chat_requests()) == 1


@pytest.mark.parametrize("call", WHOLE_CALLS, ids=str)
def test_deadline_covers_the_retries(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    """Slow 500s with many retries allowed: no attempt starts after the deadline."""
    kluster_env.add_fault(status=500, delay=0.7, times=6)
    with pytest.raises(DeadlineExceededError):
        call.run(deadline=1.0, timeout=5, max_retries=5)
    assert len(kluster_env.chat_requests()) <= 2


@pytest.mark.parametrize("answer", ["keepalive_only", "drip_stream"])
@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_stream_without_new_data_stops_when_idle(
    call: ChatCall, answer: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer=answer)
    with pytest.raises(StreamIdleTimeoutError):
        call.run(stream_idle_timeout=1.0, timeout=5, max_retries=0)


@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_stream_stops_at_an_explicit_deadline(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(answer="keepalive_only")
    with pytest.raises(DeadlineExceededError):
        call.run(deadline=1.0, stream_idle_timeout=60, timeout=5, max_retries=0)


@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_slow_but_live_stream_is_not_cut(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    """Data events 0.3 s apart keep a stream with a 1 s idle limit alive past 1 s."""
    kluster_env.settings.chunk_delay = 0.3
    kluster_env.queue_replies("one two three four five")
    assert call.run(stream_idle_timeout=1.0, max_retries=0) == "one two three four five"


@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_comment_mentioning_data_is_not_progress(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    """``: no data: here`` every 0.2 s: a comment line, whatever it contains."""
    kluster_env.add_fault(answer="keepalive_mentioning_data")
    with pytest.raises(StreamIdleTimeoutError):
        call.run(stream_idle_timeout=1.0, timeout=5, max_retries=0)


@pytest.mark.parametrize("call", [STREAMING_CALLS[0], STREAMING_CALLS[3]], ids=str)
def test_stream_sent_one_byte_per_read_is_not_idle(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    """About 1,650 bytes, one per network write at least 1 ms apart, in events of about
    230 bytes: each event completes well within the 1.5 s idle limit (about 0.5 s here),
    the whole stream takes longer than the limit."""
    kluster_env.add_fault(answer="byte_by_byte_stream")
    text = call.run(stream_idle_timeout=1.5, timeout=5, max_retries=0)
    assert text.split() == "one two three four five six".split()


@pytest.mark.skipif(
    not hasattr(langchain_openai, "StreamChunkTimeoutError"),
    reason="this langchain-openai has no stream_chunk_timeout (no StreamChunkTimeoutError)",
)
def test_langchain_chunk_timeout_stays_its_own(kluster_env: KlusterEmulator) -> None:
    """Set shorter than ``stream_idle_timeout``, langchain-openai's own limit fires first and
    its error is passed on, not taken for the package's."""
    kluster_env.add_fault(answer="keepalive_only")
    llm = ChatKluster(stream_chunk_timeout=0.5, stream_idle_timeout=30, max_retries=0)

    async def read_all() -> None:
        async for _ in llm.astream("hi"):
            pass

    with pytest.raises(langchain_openai.StreamChunkTimeoutError):
        asyncio.run(read_all())
