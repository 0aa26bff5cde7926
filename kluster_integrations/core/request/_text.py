"""Text that cannot travel as UTF-8 JSON, found before sending.

A lone surrogate (``"\\ud800"``, left by a bad decode or a split emoji) makes the HTTP
layer raise ``UnicodeEncodeError`` with nothing sent and no hint where it was.

Example::

    >>> lone_surrogate_problem("a\\ud800b").split(";")[0]
    'holds a lone surrogate (U+D800) at character 1'
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_problem(text: str) -> str | None:
    """How ``text`` cannot be sent, or ``None`` when it can."""
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return (
        f"holds a lone surrogate (U+{ord(found.group()):04X}) at character "
        f"{found.start()}; it cannot be sent as UTF-8: remove it, or decode the source "
        'text with errors="replace".'
    )
