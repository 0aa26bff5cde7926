"""Which pieces of an event stream complete an event carrying data, for the idle guard.

An event of a server-sent event stream is a run of lines ended by a blank line; it carries
data when one of its lines is a ``data`` field (``data: ...``, or ``data`` alone). Comment
lines (``: ...``, whatever they contain), other fields (``event:``, ``id:``, ``retry:``)
and events without data carry none. Lines end with ``\\n``, ``\\r\\n`` or ``\\r``, and the
pieces of a stream may split anything anywhere, down to one byte per piece.

``DataEvents`` looks at each piece with a few scans in C (no loop over lines in Python) and
keeps only the start of the line not yet ended (five bytes), whatever the length of lines
and events.

Example (no event with data has ended until the blank line after ``data: {}``)::

    >>> events = DataEvents()
    >>> events.completed_in(b": keep-alive\\n\\ndata: {}")
    False
    >>> events.completed_in(b"\\n\\n")
    True
"""

from __future__ import annotations

#: Enough of a line's start to tell a ``data`` field from anything else.
_HEAD = len(b"data:")
_DATA_LINE_STARTS = (b"data:", b"data\n")


class DataEvents:
    """Follows one event stream, piece by piece."""

    __slots__ = ("_after_cr", "_event_has_data", "_line_head")

    def __init__(self) -> None:
        self._line_head = b""  # the first bytes of the line not yet ended
        self._event_has_data = False  # a data line since the last blank line
        self._after_cr = False  # the last piece ended in \r: a \n first ends nothing more

    def completed_in(self, piece: bytes) -> bool:
        """Whether ``piece``, the next bytes of the stream, ends at least one event that
        carries data."""
        if (  # the usual piece: whole events from a line start, "data: ...\n\n"
            not self._line_head
            and piece.startswith(b"data:")
            and piece.endswith(b"\n\n")
            and b"\r" not in piece
        ):
            self._event_has_data = self._after_cr = False
            return True
        if b"\n" not in piece and b"\r" not in piece:  # the middle of a line
            if len(self._line_head) < _HEAD:
                self._line_head += piece[: _HEAD - len(self._line_head)]
            self._after_cr = False
            return False
        if self._after_cr and piece[:1] == b"\n":
            piece = piece[1:]
            self._after_cr = False
        if not piece:
            return False
        self._after_cr = piece[-1:] == b"\r"
        if b"\r" in piece:
            piece = piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        text = self._line_head + piece if self._line_head else piece  # starts a line
        last_end = text.rfind(b"\n")
        self._line_head = text[last_end + 1 : last_end + 1 + _HEAD]
        if last_end < 0:
            return False
        # Only the lines ended in this piece count: text[: last_end + 1].
        blank = text.rfind(b"\n\n", 0, last_end + 1)
        last_blank = blank + 1 if blank >= 0 else (0 if text[0] == 0x0A else -1)
        if last_blank < 0:
            self._event_has_data = self._event_has_data or _has_data_line(text, 0, last_end + 1)
            return False
        completed = self._event_has_data or _has_data_line(text, 0, last_blank)
        self._event_has_data = _has_data_line(text, last_blank, last_end + 1)
        return completed


def _has_data_line(text: bytes, start: int, end: int) -> bool:
    """Whether a ``data`` field line starts in ``text[start:end]``, where ``start`` is 0
    (``text`` starts a line) or the index of a newline, and every line is ended by ``end``."""
    if start == 0 and text.startswith(_DATA_LINE_STARTS):
        return True
    return text.find(b"\ndata:", start, end) >= 0 or text.find(b"\ndata\n", start, end) >= 0
