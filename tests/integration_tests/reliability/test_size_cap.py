"""Answers are read up to ``max_response_bytes`` (decompressed) and no further: a huge
body, a huge single stream line and a gzip bomb each raise ``ResponseTooLargeError``."""

from __future__ import annotations

import pytest

from kluster_integrations.core.errors import ResponseTooLargeError
from kluster_integrations.emulator._server import KlusterEmulator
from tests.integration_tests.reliability.adapters import CHAT_CALLS, STREAMING_CALLS, ChatCall

WHOLE_CALLS = [call for call in CHAT_CALLS if not call.streams]
CAP = 100_000


@pytest.mark.parametrize("call", WHOLE_CALLS, ids=str)
def test_body_over_the_cap(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(answer="oversized", answer_bytes=2 * CAP)
    with pytest.raises(ResponseTooLargeError, match="max_response_bytes"):
        call.run(max_response_bytes=CAP, max_retries=2)
    assert len(kluster_env.chat_requests()) == 1


@pytest.mark.parametrize("call", WHOLE_CALLS, ids=str)
def test_gzip_bomb_stops_at_the_decoded_size(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(answer="gzip_bomb", answer_bytes=200 * CAP)  # ~20 KB on the wire
    with pytest.raises(ResponseTooLargeError):
        call.run(max_response_bytes=CAP, max_retries=0)


@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_stream_line_over_the_cap(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(answer="oversized_line", answer_bytes=2 * CAP)
    with pytest.raises(ResponseTooLargeError, match="line"):
        call.run(max_response_bytes=CAP, max_retries=0)


@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_long_stream_of_short_lines_is_fine(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    """The cap on a stream is per line: many lines may add up to more than the cap."""
    text = " ".join(["word"] * 2_000)
    kluster_env.queue_replies(text)
    assert call.run(max_response_bytes=50_000, max_retries=0) == text
