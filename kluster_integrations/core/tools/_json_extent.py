"""Where a JSON object or array ends, found in one forward pass over text given in pieces.

``JsonExtent`` follows brackets and strings only (numbers, commas and keys are left to
``json.loads`` on the finished span), so every character is looked at once and the work is
linear in the text, however it is cut. Nesting is bounded by ``MAX_DEPTH``, so the span it
finds can be decoded without deep recursion.

- ``strict=True`` stops at the first sign that the text is not JSON (``problem`` says
  which): a bracket that closes the wrong one, nesting past ``MAX_DEPTH``, a line break in
  a string, or an object that does not start with a key (``{x``) or an array that does not
  start with a value. Use it to find JSON in prose.
- ``strict=False`` never stops early: a bracket that closes the wrong one is noted in
  ``problem`` and closes it anyway, and past ``MAX_DEPTH`` it counts levels (``too_deep``),
  so it finds where the writer meant the value to end. Use it for text already known to be
  meant as JSON.

Example::

    >>> extent = JsonExtent(strict=True)
    >>> extent.feed('{"a": [1, "]"', 0), extent.feed("]} and more", 0)
    (-1, 2)
    >>> JsonExtent(strict=True).feed("{x: 1}", 0), JsonExtent(strict=True).feed("[1}", 0)
    (1, 2)
    >>> lenient = JsonExtent(strict=False)
    >>> lenient.feed("[1} tail", 0), lenient.problem
    (3, "has '}' where ']' belongs")
"""

from __future__ import annotations

import re

#: Deepest nesting read; deeper values are not decoded.
MAX_DEPTH = 100

_STRUCTURE = re.compile(r'[][{}"]')
_IN_STRING = re.compile(r'["\\\n]')
_SPACE = re.compile(r"[ \t\n\r]*")
_OPENS = {"}": "{", "]": "["}
_CLOSES = {"{": "}", "[": "]"}
#: What may follow an opening bracket (after whitespace) in JSON.
_FIRST = {"{": frozenset('"}'), "[": frozenset('[]{"-0123456789tfn')}


class JsonExtent:
    """Tracks one JSON value whose first character is an opening bracket; see the module
    docstring. ``opened`` gives brackets already read (``"{"`` after a caller has matched
    ``{"key":`` itself)."""

    __slots__ = (
        "_depth",
        "_escaped",
        "_first",
        "_in_string",
        "_stack",
        "problem",
        "strict",
        "too_deep",
    )

    def __init__(self, *, strict: bool, opened: str = "") -> None:
        self.strict = strict
        self.problem: str | None = None
        self.too_deep = False
        """The value nests deeper than ``MAX_DEPTH`` (with ``strict=False``)."""
        self._stack = list(opened)
        self._depth = len(opened)
        self._in_string = False
        self._escaped = False
        self._first = ""

    def feed(self, text: str, at: int) -> int:
        """Read ``text`` from ``at``: the index just after the value's last character when
        it ends in ``text``, -1 when it goes on past ``text``; with ``strict``, the index of
        the character that shows it is not JSON (``problem`` set)."""
        end = len(text)
        while at < end:
            if self._escaped:
                self._escaped = False
                at += 1
            elif self._in_string:
                match = _IN_STRING.search(text, at)
                if match is None:
                    return -1
                char = match.group()
                if char == "\n":
                    if self.strict:
                        return self._fail(match.start(), "has a line break inside a string")
                elif char == "\\":
                    self._escaped = True
                else:
                    self._in_string = False
                at = match.end()
            elif self._first:
                at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
                if at == end:
                    return -1
                if text[at] not in _FIRST[self._first]:
                    return self._fail(at, f"has {text[at]!r} right after {self._first!r}")
                self._first = ""
            else:
                match = _STRUCTURE.search(text, at)
                if match is None:
                    return -1
                at, char = match.end(), match.group()
                if char == '"':
                    self._in_string = True
                elif char in "{[":
                    if self._depth >= MAX_DEPTH:
                        if self.strict:
                            return self._fail(at - 1, f"nests deeper than {MAX_DEPTH} levels")
                        self.too_deep = True
                    elif self._depth == len(self._stack):
                        self._stack.append(char)
                    self._depth += 1
                    self._first = char if self.strict else ""
                else:
                    if self._depth == len(self._stack):
                        opened = self._stack.pop()
                        if opened != _OPENS[char] and self.problem is None:
                            problem = f"has {char!r} where {_CLOSES[opened]!r} belongs"
                            if self.strict:
                                return self._fail(at - 1, problem)
                            self.problem = problem
                    self._depth -= 1
                    if self._depth == 0:
                        return at
        return -1

    def _fail(self, at: int, problem: str) -> int:
        self.problem = problem
        return at
