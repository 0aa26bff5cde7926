"""The API key in every form a server may echo it, found in one pass and masked.

A server (or a proxy in front of it) may quote the key back raw, JSON-escaped (any mix of
``\\uXXXX`` escapes and ``\\/``), URL-encoded (``%XX``, ``+``), or as base64: of
``user:key`` (HTTP Basic), of ``:key`` or of the key alone. A Python repr, as in logged
headers, doubles the backslashes of the escapes. ``key_forms(key)`` compiles one regex for
all of these, once per key; ``KeyForms.mask`` replaces each occurrence with ``***`` (a whole
base64 token when it holds the key) in time linear in the text.

``remember_key`` keeps the keys this process resolved (``core.transport.resolve_api_key``), for
the log filter of ``core.transport``.

Example::

    >>> mask_key('{"error": "bad key kl\\\\/a1b2c3d4e5"}', "kl/a1b2c3d4e5")
    '{"error": "bad key ***"}'
    >>> mask_key("Authorization: Basic dXNlcjprbC9hMWIyYzNkNGU1", "kl/a1b2c3d4e5")
    'Authorization: Basic ***'
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
from functools import lru_cache
from typing import Any

MASK = "***"
#: Shorter keys are not masked: they would mask ordinary words.
MIN_KEY_LENGTH = 4
#: A base64 form is looked for only when this many of its characters come from the key
#: alone (shorter runs would match unrelated base64).
_MIN_BASE64_CORE = 12
#: Characters a one-character JSON (or repr) escape may stand for: ``\\/``, ``\\"``, ``\\'``.
_SHORT_ESCAPED = "/\"'"
_BASE64_CHARS = "A-Za-z0-9+/_-"
#: The rest of a base64 token after a match, padding included.
_BASE64_TAIL = re.compile(f"[{_BASE64_CHARS}]*=*")
#: Everything up to the last character that cannot be part of a base64 token.
_BEFORE_BASE64_TOKEN = re.compile(f".*[^{_BASE64_CHARS}]", re.DOTALL)


def _hex(code: int, digits: int) -> str:
    """``code`` in hex, each letter matched in either case."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{code:0{digits}x}")


#: ``%`` and ``\\`` as written, where they cannot start an escape of another character.
_AS_WRITTEN = {"%": "%(?![0-9A-Fa-f]{2})", "\\": r"\\(?![\\u])"}


def _char_options(char: str) -> list[str]:
    """Patterns for ``char`` as written, JSON-escaped (the backslash maybe doubled by a
    repr) or %-encoded, each starting with a literal character.

    At any place at most one option matches, so a match never backtracks: that is why
    ``%`` and ``\\`` as written must not start an escape (whole-key encodings holding
    those are in ``_exact_forms``)."""
    code = ord(char)
    options = [_AS_WRITTEN.get(char, re.escape(char)), r"\\\\?u" + _hex(code, 4)]
    if char == "\\":
        options += [
            r"\\\\\\\\",
            r"\\\\(?![\\u])",
        ]  # JSON's escaped backslash, doubled by a repr or not
    if char in _SHORT_ESCAPED:
        options.append(r"\\\\?" + re.escape(char))
    options.append("%" + _hex(code, 2))
    if char == "+":
        options.append(" ")  # a form decoder turns + into a space
    return options


def _flexible(text: str) -> list[str]:
    """Patterns for ``text`` with each character in any of its forms, one per form of the
    first character: a search then skips every place whose character starts no form."""
    rest = "".join(
        options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"
        for options in map(_char_options, text[1:])
    )
    return [first + rest for first in _char_options(text[0])]


def _exact_forms(key: str) -> set[str]:
    """Whole-key encodings (and their backslashes doubled, as a repr shows them), for the
    keys whose ``%`` or ``\\`` ``_flexible`` misses (one written before an escape, or two
    backslashes in a row)."""
    json_escaped = json.dumps(key)[1:-1]
    forms = {
        key,
        json_escaped,
        json_escaped.replace("/", "\\/"),
        urllib.parse.quote(key, safe=""),
        urllib.parse.quote(key, safe="/"),
        urllib.parse.quote_plus(key),
    }
    return forms | {form.replace("\\", "\\\\") for form in forms}


def _base64_cores(key: str) -> set[str]:
    """The characters of the key's base64 that depend on the key alone, for each alignment
    the key may have after a prefix (``user:``), in both alphabets."""
    raw = key.encode()
    cores = set()
    for offset in range(3):
        padded = b"\0" * offset + raw
        whole_groups = len(padded) // 3 * 4
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            core = encode(padded).decode()[(0, 2, 3)[offset] : whole_groups]
            if len(core) >= _MIN_BASE64_CORE:
                cores.add(core)
    return cores


class KeyForms:
    """One key's echo forms as one compiled regex (build it with ``key_forms``)."""

    def __init__(self, key: str) -> None:
        exact = sorted(_exact_forms(key), key=len, reverse=True)
        cores = sorted(_base64_cores(key), key=len, reverse=True)
        # Every alternative starts with a literal character, so the regex engine scans for
        # those characters alone; an empty group ends each base64 one, to tell them apart.
        self._pattern = re.compile(
            "|".join(
                [*_flexible(key), *map(re.escape, exact)]
                + [f"{form}()" for core in cores for form in _flexible(core)]
            )
        )
        #: The most characters one form can take (a ``\\\\u00XX`` per key character).
        self.longest = 7 * len(key)

    def mask(self, text: str, *, cut: bool = False) -> str:
        """``text`` with every form of the key replaced by ``***``; the same object when
        there is none. ``cut``: ``text`` is the start of a longer text, so its last
        ``longest`` characters (where a form may have been cut) are dropped too."""
        search = self._pattern.search
        match = search(text)
        if match is None and not cut:
            return text
        pieces: list[str] = []
        done = 0
        while match is not None:
            start, end = match.span()
            if match.lastindex is not None:  # a base64 form
                before = _BEFORE_BASE64_TOKEN.match(text, done, start)
                start = before.end() if before else done
                tail = _BASE64_TAIL.match(text, end)  # always matches, maybe empty
                end = tail.end() if tail else end
            pieces += (text[done:start], MASK)
            done = end
            match = search(text, end)
        pieces.append(text[done:])
        masked = "".join(pieces)
        return masked[: max(0, len(masked) - self.longest)] if cut else masked


@lru_cache(maxsize=64)
def key_forms(key: str) -> KeyForms:
    """The compiled forms of ``key`` (cached: a process uses few keys)."""
    return KeyForms(key)


def mask_key(text: str, key: str | None, *, cut: bool = False) -> str:
    """``text`` with every form of ``key`` replaced by ``***`` (see ``KeyForms.mask``)."""
    if not key or len(key) < MIN_KEY_LENGTH:
        return text
    return key_forms(key).mask(text, cut=cut)


def mask_error_fields(error: Any, key: str | None) -> None:
    """Mask ``key`` in place in what an error carrying a server's text shows: its
    ``message``, ``args`` and ``body`` (the SDK's ``APIError``, ``BatchItemError``).

    Example::

        except openai.APIError as error:
            mask_error_fields(error, key)
            raise
    """
    message = mask_key(error.message, key)
    text = json.dumps(error.body)
    masked_text = mask_key(text, key)
    if message == error.message and masked_text == text:
        return
    error.message = message
    error.args = tuple(mask_key(str(arg), key) for arg in error.args)
    try:
        error.body = json.loads(masked_text)
    except ValueError:  # the mask split an escape: keep the text, masked
        error.body = masked_text


def masked_start(text: str, key: str | None, length: int) -> str:
    """At most ``length`` characters from the start of ``text``, the key masked; only as
    much of ``text`` is searched as a form starting in those characters can cover."""
    if not key or len(key) < MIN_KEY_LENGTH:
        return text[:length]
    forms = key_forms(key)
    window = text[: length + forms.longest]
    return forms.mask(window, cut=len(window) < len(text))[:length]


def mask_header_values(
    headers: list[tuple[bytes, bytes]], key: str | None
) -> list[tuple[bytes, bytes]]:
    """Raw header pairs with the key masked in each value."""
    return [
        (name, mask_key(value.decode("latin-1"), key).encode("latin-1")) for name, value in headers
    ]


#: How many recently resolved keys the log filter masks (a process rarely has more).
_REMEMBERED_LIMIT = 16
_remembered: tuple[str, ...] = ()
_remembering = threading.Lock()


def remember_key(key: str) -> None:
    """Add ``key`` to the keys masked in logs (the most recent ``_REMEMBERED_LIMIT``)."""
    global _remembered
    if key in _remembered or len(key) < MIN_KEY_LENGTH:
        return
    with _remembering:
        if key not in _remembered:
            _remembered = (*_remembered, key)[-_REMEMBERED_LIMIT:]


def remembered_keys() -> tuple[str, ...]:
    """The keys ``remember_key`` holds, oldest first."""
    return _remembered


#: Keys at least this long are shown by their last ``_HINT_CHARS`` characters in errors;
#: shorter ones not at all.
_HINT_MIN_LENGTH = 16
_HINT_CHARS = 4


def key_hint(key: str | None) -> str:
    """How an error names a key without showing it: ``***`` and its last four characters
    when it is long enough that they give nothing away, else ``***``.

    >>> key_hint("kl-SECRET-5f0e1d2c3b4a")
    '***3b4a'
    >>> key_hint("short-key")
    '***'
    """
    if not key or len(key) < _HINT_MIN_LENGTH:
        return MASK
    return MASK + key[-_HINT_CHARS:]
