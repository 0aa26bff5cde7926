"""``DataEvents`` against a plain line-by-line reading of the whole stream: for any stream of
data, comment and other lines with any line ends, split into any pieces, a piece reports a
completed data event exactly when a blank line ending an event with data falls in it."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kluster_integrations.core.transport import DataEvents

LINES = [b"data: {}", b"data", b"data:", b": data: no", b":", b"event: ping", b"datafoo: x", b""]
LINE_ENDS = [b"\n", b"\r\n", b"\r"]


def completions(stream: bytes) -> list[int]:
    """Where each event carrying data ends: the index of its blank line's line end."""
    found, has_data, start = [], False, 0
    for line_end in re.finditer(rb"\r\n|\r|\n", stream):
        line = stream[start : line_end.start()]
        if not line:
            if has_data:
                found.append(line_end.start())
            has_data = False
        elif line == b"data" or line.startswith(b"data:"):
            has_data = True
        start = line_end.end()
    return found


streams = st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(LINE_ENDS)), max_size=30).map(
    lambda lines: b"".join(line + end for line, end in lines)
)


@settings(max_examples=300, deadline=None)
@given(stream=streams, data=st.data())
def test_pieces_report_exactly_the_completed_data_events(
    stream: bytes, data: st.DataObject
) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(0, len(stream)), max_size=12)))
    bounds = [0, *cuts, len(stream)]
    events = DataEvents()
    ends = completions(stream)
    for start, end in pairwise(bounds):
        expected = any(start <= at < end for at in ends)
        assert events.completed_in(stream[start:end]) == expected, (stream, start, end)


def test_one_byte_at_a_time() -> None:
    stream = b": no data: here\r\n\r\ndata: {}\r\n\r\ndata\n\ndata\r\n\n"
    events = DataEvents()
    reported = [i for i in range(len(stream)) if events.completed_in(stream[i : i + 1])]
    assert reported == completions(stream) == [29, 36, 43]


@pytest.mark.parametrize(
    ("pieces", "reported"),
    [
        (  # whole events in one piece, and a line cut before them
            [b"data: {}\n\n", b"event: ping\n", b"id: 7", b"data: {}\n\n", b"data: {}\n\n"],
            [True, False, False, False, True],
        ),
        (  # a line end \r, then the middle of a line: the \n after it is a line end again
            [b"data: {}\r", b"data: {}", b"\n", b"\n"],
            [False, False, False, True],
        ),
    ],
)
def test_pieces(pieces: list[bytes], reported: list[bool]) -> None:
    events = DataEvents()
    assert [events.completed_in(piece) for piece in pieces] == reported
