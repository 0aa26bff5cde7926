"""Read a prompted-tools reply front to back, whole or in pieces, in time linear in its length.

``ReplyReader`` splits a model's reply into answer text and the JSON meant as tool calls,
which it hands to a ``CallSink`` (``core.tools`` reads the calls from it). It takes
the reply in pieces of any size; the decisions never depend on where a piece ends, so a
whole reply and the same reply streamed give the same text and the same JSON. Text that
can no longer be part of a call is final at once (``take()``); only what may still be one
is held back.

What counts as a call (see ``tools_instruction`` for the protocol the model is given):

- an *envelope* anywhere in the answer: an object whose first key is ``"tool_calls"``
  (``{"tool_calls": [...]}``), optionally alone in a code fence. From its opening
  ``{"tool_calls":`` on it is meant as a call, so it goes to ``CallSink.envelope`` whole:
  complete, cut off by the end of the reply, or broken (``problem`` says how);
- a reply that is nothing but JSON values (optionally in one code fence): each value goes
  to ``CallSink.values``, which says which of them hold calls (near-miss shapes such as
  ``{"name": ..., "arguments": ...}`` are read there).

A leading ``<think>...</think>`` block is reasoning and passes through untouched. Removed
JSON takes the whitespace after it with it (and the whitespace before it at the start of
the reply); all other text stays exactly as written.

Example::

    >>> class Sink:
    ...     def envelope(self, raw, problem): print("envelope", raw, problem)
    ...     def values(self, texts): return [False for _ in texts]
    >>> reader = ReplyReader(Sink())
    >>> reader.feed('Let me check. {"tool_calls": [{"na'); reader.take()
    'Let me check. '
    >>> reader.feed('me": "add"}]} Done.'); reader.take()
    envelope {"tool_calls": [{"name": "add"}]} None
    'Done.'
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Sequence
from typing import Protocol

from kluster_integrations.core.reasoning import CLOSE_TAG, OPEN_TAG
from kluster_integrations.core.tools._json_extent import MAX_DEPTH, JsonExtent

THINK_OPEN, THINK_CLOSE = OPEN_TAG, CLOSE_TAG  # the one pair, from core.reasoning
#: The envelope's only key (``{"tool_calls": [...]}``), and how it opens the envelope.
ENVELOPE_KEY = "tool_calls"
MARKER_KEY = json.dumps(ENVELOPE_KEY)

_NOT_SPACE = re.compile(r"\S")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_MAY_OPEN = re.compile(r"[{`]")
_SPACES = r"[ \t\n\r]*"
_KEY_STARTS = _SPACES
for _char in reversed(MARKER_KEY):
    _KEY_STARTS = f"(?:{re.escape(_char)}{_KEY_STARTS})?"
#: An envelope's opening, alone or after a code fence's opening.
_OPENING = re.compile(rf"(?P<brace>\{{){_SPACES}{re.escape(MARKER_KEY)}{_SPACES}:")
_FENCED_OPENING = re.compile(rf"```(?P<tag>[A-Za-z]{{0,20}}){_SPACES}{_OPENING.pattern}")
#: The start of one of those, up to the end of the text.
_OPENING_START = re.compile(rf"\{{{_SPACES}{_KEY_STARTS}\Z")
_FENCED_START = re.compile(
    rf"(?:`{{1,2}}|```[A-Za-z]{{0,20}}(?:{_SPACES}(?:\{{{_SPACES}{_KEY_STARTS})?)?)\Z"
)
_TAG_CHARS = frozenset(string.ascii_letters)
_MAX_TAG = 20
_FENCE = "```"

# Reader states. _LEAD: before a possible <think>; _THINK: inside it; _ANSWER_LEAD: before
# the answer's first character; _JSON_ONLY: the answer so far is JSON values only;
# _PROSE: plain text; _CANDIDATE: a fence or "{" that may open an envelope; _ENVELOPE:
# inside one; _FENCE_CLOSE: after a fenced envelope, before its closing fence.
_LEAD, _THINK, _ANSWER_LEAD, _JSON_ONLY, _PROSE, _CANDIDATE, _ENVELOPE, _FENCE_CLOSE = range(8)

# Steps of the _CANDIDATE and _JSON_ONLY states.
_TICKS, _TAG, _FENCE_SPACE, _BRACE, _KEY_SPACE, _KEY, _COLON = range(7)
_BEFORE_VALUE, _VALUE, _AFTER_VALUE, _CLOSING, _TRAILING = range(7, 12)


class CallSink(Protocol):
    """Where ``ReplyReader`` sends the JSON meant as calls."""

    def envelope(self, raw: str, problem: str | None) -> None:
        """An envelope as written (``problem``: why it cannot be read, e.g. cut off)."""

    def values(self, texts: Sequence[str]) -> list[bool]:
        """A reply made only of these JSON texts: which of them hold calls."""


class _Text:
    """The final answer text. Whitespace after removed JSON, up to the next text, goes with
    it, as does whitespace before it at the start of the reply; all else stays as written."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self._has_text = False
        self._after_removed = False
        self._leading: list[str] = []  # whitespace at the start, until text or JSON decides

    def add(self, text: str) -> None:
        if self._has_text and not self._after_removed:
            self.pieces.append(text)
            return
        body = text.lstrip()
        if not body:
            if not self._after_removed:
                self._leading.append(text)
            return
        if not self._after_removed:
            self.pieces.extend(self._leading)
            self.pieces.append(text[: len(text) - len(body)])
        self.pieces.append(body)
        self._has_text, self._after_removed, self._leading = True, False, []

    def removed(self) -> None:
        self._after_removed, self._leading = True, []

    def end(self) -> None:
        self.pieces.extend(self._leading)
        self._leading = []


class ReplyReader:
    """One reply, fed in pieces; see the module docstring. Not thread-safe."""

    def __init__(self, sink: CallSink) -> None:
        self._sink = sink
        self._text = _Text()
        self._taken = 0
        self._fed = 0
        self.spans: list[tuple[int, int]] = []
        """Where removed JSON (with its code fence) sat in the reply."""
        self._state = _LEAD
        self._tag = ""  # _LEAD: the part of <think> seen; _THINK: the block's last characters
        self._tag_at = 0
        # What a holding state keeps: the raw text from _held_at on, in pieces.
        self._held: list[str] = []
        self._held_at = 0
        self._held_len = 0
        self._segment = 0  # where the current piece's unkept part starts
        self._step = _TICKS
        self._count = 0
        self._fence_end = -1  # end of "```tag" in the held text, -1 without a fence
        self._open_at = 0  # where the envelope's "{" is in the held text
        self._envelope_end = 0
        self._close_end = -1
        self._value_at = 0
        self._values: list[tuple[int, int]] = []
        self._extent = JsonExtent(strict=False)
        self._handlers: dict[int, Callable[[str, int, int], int]] = {
            _LEAD: self._lead,
            _THINK: self._think,
            _ANSWER_LEAD: self._answer_lead,
            _JSON_ONLY: self._json_only,
            _PROSE: self._prose,
            _CANDIDATE: self._candidate,
            _ENVELOPE: self._envelope,
            _FENCE_CLOSE: self._fence_close,
        }

    def feed(self, piece: str) -> None:
        """Read the next piece of the reply."""
        self._read(piece, self._fed)
        self._fed += len(piece)

    def take(self) -> str:
        """The answer text that became final since the last ``take``."""
        pieces = self._text.pieces
        taken, self._taken = pieces[self._taken :], len(pieces)
        return "".join(taken)

    def finish(self) -> str:
        """End the reply (what was held back is decided); the whole answer text."""
        while self._state not in (_THINK, _ANSWER_LEAD, _PROSE):
            state = self._state
            if state == _LEAD:
                tag, self._tag, self._state = self._tag, "", _ANSWER_LEAD
                self._read(tag, self._tag_at)
            elif state == _JSON_ONLY:
                self._end_json_only()
            elif state == _CANDIDATE:
                self._not_a_candidate("", 0)
            elif state == _ENVELOPE:
                self._end_envelope("is cut off: the reply ended inside it")
            else:  # _FENCE_CLOSE: the reply ended where the closing fence belongs
                self._remove(self._held_at, self._held_at + self._held_len)
                self._release()
        self._text.end()
        return "".join(self._text.pieces)

    def _read(self, text: str, base: int) -> None:
        at, end = 0, len(text)
        while at < end:
            at = self._handlers[self._state](text, at, base)

    # -- before the answer: a <think> block -------------------------------------------

    def _lead(self, text: str, at: int, base: int) -> int:
        if not self._tag:
            match = _NOT_SPACE.search(text, at)
            start = match.start() if match else len(text)
            self._text.add(text[at:start])
            if match is None:
                return start
            at, self._tag_at = start, base + start
        while at < len(text) and len(self._tag) < len(THINK_OPEN):
            if text[at] != THINK_OPEN[len(self._tag)]:
                tag, self._tag, self._state = self._tag, "", _ANSWER_LEAD
                self._read(tag, self._tag_at)
                return at
            self._tag += text[at]
            at += 1
        if len(self._tag) == len(THINK_OPEN):
            self._text.add(self._tag)
            self._tag, self._state = "", _THINK
        return at

    def _think(self, text: str, at: int, base: int) -> int:
        carry = self._tag
        found = (carry + text[at : at + len(THINK_CLOSE) - 1]).find(THINK_CLOSE)
        if found >= 0:
            end = at + found - len(carry) + len(THINK_CLOSE)
        else:
            found = text.find(THINK_CLOSE, at)
            end = found + len(THINK_CLOSE) if found >= 0 else -1
        if end < 0:
            self._text.add(text[at:])
            keep = len(THINK_CLOSE) - 1
            self._tag = (carry + text[max(at, len(text) - keep) :])[-keep:]
            return len(text)
        self._text.add(text[at:end])
        self._tag, self._state = "", _ANSWER_LEAD
        return end

    # -- the answer ---------------------------------------------------------------------

    def _answer_lead(self, text: str, at: int, base: int) -> int:
        match = _NOT_SPACE.search(text, at)
        start = match.start() if match else len(text)
        self._text.add(text[at:start])
        if match is None:
            return start
        if text[start] in "{[`":
            self._hold(_JSON_ONLY, _TICKS if text[start] == "`" else _BEFORE_VALUE, base + start)
        else:
            self._state = _PROSE
        return start

    def _prose(self, text: str, at: int, base: int) -> int:
        search = at
        while (match := _MAY_OPEN.search(text, search)) is not None:
            start = match.start()
            brace = text[start] == "{"
            opening = (_OPENING if brace else _FENCED_OPENING).match(text, start)
            if opening is not None or (_OPENING_START if brace else _FENCED_START).match(
                text, start
            ):
                self._text.add(text[at:start])
                self._hold(_CANDIDATE, _BRACE if brace else _TICKS, base + start)
                if opening is None:  # the piece ends inside what may still open one
                    return start
                self._segment = start
                if not brace:
                    self._fence_end = opening.end("tag") - start
                self._open_at = opening.start("brace") - start
                self._keep(text, opening.end())
                self._state, self._extent = _ENVELOPE, JsonExtent(strict=False, opened="{")
                return opening.end()
            search = start + 1
        self._text.add(text[at:])
        return len(text)

    def _candidate(self, text: str, at: int, base: int) -> int:
        """Match ``{"tool_calls":``, optionally after "```tag", one step at a time."""
        self._segment, end = at, len(text)
        while at < end:
            step = self._step
            if step in (_TICKS, _TAG):
                at = self._fence_opening(text, at, _FENCE_SPACE)
            elif step == _FENCE_SPACE:
                at = _skip_space(text, at)
                if at < end:
                    self._step = _BRACE
            elif step == _BRACE:
                if text[at] != "{":
                    return self._not_a_candidate(text, at)
                self._open_at = self._position(at)
                self._step, at = _KEY_SPACE, at + 1
            elif step == _KEY_SPACE:
                at = _skip_space(text, at)
                if at < end:
                    if text[at] != '"':
                        return self._not_a_candidate(text, at)
                    self._step, self._count, at = _KEY, 1, at + 1
            elif step == _KEY:
                if text[at] != MARKER_KEY[self._count]:
                    return self._not_a_candidate(text, at)
                self._count, at = self._count + 1, at + 1
                if self._count == len(MARKER_KEY):
                    self._step = _COLON
            else:  # _COLON
                at = _skip_space(text, at)
                if at < end:
                    if text[at] != ":":
                        return self._not_a_candidate(text, at)
                    self._keep(text, at + 1)
                    self._state, self._extent = _ENVELOPE, JsonExtent(strict=False, opened="{")
                    return at + 1
            if at < 0:
                return self._not_a_candidate(text, -at - 1)
        self._keep(text, at)
        return at

    def _fence_opening(self, text: str, at: int, after: int) -> int:
        """One step through "```" and a language tag (``-at - 1``: not a fence)."""
        if self._step == _TICKS:
            if text[at] != "`":
                return -at - 1
            self._count += 1
            if self._count == len(_FENCE):
                self._step, self._count = _TAG, 0
            return at + 1
        if text[at] in _TAG_CHARS and self._count < _MAX_TAG:
            self._count += 1
            return at + 1
        self._fence_end, self._step = self._position(at), after
        return at

    def _not_a_candidate(self, text: str, at: int) -> int:
        """The held text opens no envelope: its first character is text, and the rest is
        read again (it may hold the start of another)."""
        self._keep(text, at)
        held, held_at = "".join(self._held), self._held_at
        self._release()
        self._text.add(held[0])
        self._read(held[1:], held_at + 1)
        return at

    def _envelope(self, text: str, at: int, base: int) -> int:
        self._segment = at
        end = self._extent.feed(text, at)
        if end < 0:
            self._keep(text, len(text))
            return len(text)
        problem = self._extent.problem
        if problem is None and self._extent.too_deep:
            problem = f"nests deeper than {MAX_DEPTH} levels"
        self._keep(text, end)
        self._end_envelope(problem, complete=True)
        return end

    def _end_envelope(self, problem: str | None, *, complete: bool = False) -> None:
        raw = "".join(self._held)
        self._held = [raw]
        self._sink.envelope(raw[self._open_at :], problem)
        if complete and self._fence_end >= 0:
            self._envelope_end = len(raw)
            self._state, self._step, self._count = _FENCE_CLOSE, _FENCE_SPACE, 0
            return
        self._remove(self._held_at, self._held_at + len(raw))
        self._release()

    def _fence_close(self, text: str, at: int, base: int) -> int:
        self._segment, end = at, len(text)
        while at < end:
            if self._step == _FENCE_SPACE:
                at = _skip_space(text, at)
                self._step = _TICKS if at < end else _FENCE_SPACE
            elif text[at] != "`":
                return self._unclosed_fence(text, at)
            else:
                self._count, at = self._count + 1, at + 1
                if self._count == len(_FENCE):
                    self._keep(text, at)
                    self._remove(self._held_at, self._held_at + self._held_len)
                    self._release()
                    return at
        self._keep(text, at)
        return at

    def _unclosed_fence(self, text: str, at: int) -> int:
        """A fenced envelope without its closing fence: the opening fence is text."""
        self._keep(text, at)
        raw, held_at = "".join(self._held), self._held_at
        fence_end, open_at, envelope_end = self._fence_end, self._open_at, self._envelope_end
        self._release()
        self._text.add(raw[:fence_end])
        self._text.add(raw[fence_end:open_at])
        self._remove(held_at + open_at, held_at + envelope_end)
        self._read(raw[envelope_end:], held_at + envelope_end)
        return at

    # -- an answer of JSON values only ----------------------------------------------------

    def _json_only(self, text: str, at: int, base: int) -> int:
        self._segment, end = at, len(text)
        while at < end:
            step = self._step
            if step in (_TICKS, _TAG):
                at = self._fence_opening(text, at, _BEFORE_VALUE)
                if at < 0:
                    return self._not_json_only(text, -at - 1)
            elif step == _BEFORE_VALUE:
                at = _skip_space(text, at)
                if at < end:
                    if text[at] not in "{[":
                        return self._not_json_only(text, at)
                    self._value_at, self._step = self._position(at), _VALUE
                    self._extent = JsonExtent(strict=True)
            elif step == _VALUE:
                stop = self._extent.feed(text, at)
                if stop < 0:
                    at = end
                elif self._extent.problem is not None:
                    return self._not_json_only(text, stop)
                else:
                    self._values.append((self._value_at, self._position(stop)))
                    self._step, at = _AFTER_VALUE, stop
            elif step == _AFTER_VALUE:
                at = _skip_space(text, at)
                if at < end:
                    if text[at] in "{[":
                        self._step = _BEFORE_VALUE
                    elif text[at] == "`" and self._fence_end >= 0:
                        self._step, self._count = _CLOSING, 0
                    else:
                        return self._not_json_only(text, at)
            elif step == _CLOSING:
                if text[at] != "`":
                    return self._not_json_only(text, at)
                self._count, at = self._count + 1, at + 1
                if self._count == len(_FENCE):
                    self._step, self._close_end = _TRAILING, self._position(at)
            else:  # _TRAILING: only whitespace may follow the closing fence
                at = _skip_space(text, at)
                if at < end:
                    return self._not_json_only(text, at)
        self._keep(text, at)
        return at

    def _not_json_only(self, text: str, at: int) -> int:
        """The answer is more than JSON: read what was held again, as prose."""
        self._keep(text, at)
        held, held_at = "".join(self._held), self._held_at
        self._release()
        self._read(held, held_at)
        return at

    def _end_json_only(self) -> None:
        raw, held_at, values = "".join(self._held), self._held_at, self._values
        complete = self._step in (_AFTER_VALUE, _CLOSING, _TRAILING)
        holds = self._sink.values([raw[a:b] for a, b in values]) if complete and values else []
        fenced, close_end = self._fence_end >= 0, self._close_end
        self._release()
        if not any(holds):
            self._read(raw, held_at)
            return
        if fenced and all(holds):  # the whole fence goes (cut by the end: all of it)
            end = close_end if close_end >= 0 else len(raw)
            self._remove(held_at, held_at + end)
            self._text.add(raw[end:])
            return
        at = 0
        for (begin, end), holds_calls in zip(values, holds, strict=True):
            self._text.add(raw[at:begin])
            if holds_calls:
                self._remove(held_at + begin, held_at + end)
            else:
                self._text.add(raw[begin:end])
            at = end
        self._text.add(raw[at:])

    # -- holding text back ----------------------------------------------------------------

    def _hold(self, state: int, step: int, at: int) -> None:
        self._state, self._step, self._count = state, step, 0
        self._held, self._held_at, self._held_len = [], at, 0
        self._fence_end, self._close_end, self._values = -1, -1, []

    def _position(self, at: int) -> int:
        """Where index ``at`` of the piece being read falls in the held text."""
        return self._held_len + at - self._segment

    def _keep(self, text: str, at: int) -> None:
        """Hold the piece being read up to ``at``."""
        if at > self._segment:
            self._held.append(text[self._segment : at])
            self._held_len += at - self._segment
        self._segment = at

    def _release(self) -> None:
        self._state, self._held, self._held_len = _PROSE, [], 0

    def _remove(self, begin: int, end: int) -> None:
        self._text.removed()
        self.spans.append((begin, end))


def _skip_space(text: str, at: int) -> int:
    return _JSON_SPACE.match(text, at).end()  # type: ignore[union-attr]


def text_without(text: str, begin: int, end: int) -> str:
    """``text`` without ``text[begin:end]``, the whitespace around it left as
    ``ReplyReader`` leaves it around removed JSON.

    >>> text_without('Here: {"a": 1} done.', 6, 14)
    'Here: done.'
    """
    out = _Text()
    out.add(text[:begin])
    out.removed()
    out.add(text[end:])
    out.end()
    return "".join(out.pieces)
