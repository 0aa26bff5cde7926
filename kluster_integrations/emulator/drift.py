"""An emulator that has drifted from the contract, for testing the drift probe.

``Settings.accepts_anyway`` names parameters and message fields (``"response_format"``,
``"name"``, ``"dimensions"``) that this emulator accepts although the contract refuses
them, as kluster.ai would after a silent change; ``Settings.stream_usage`` already covers
usage in streams.

Example::

    >>> accepted_anyway([("n", "..."), ("messages[0].name", "...")], {"name"})
    [('n', '...')]
"""

from __future__ import annotations

from collections.abc import Collection


def accepted_anyway(
    violations: list[tuple[str, str]], accepts: Collection[str]
) -> list[tuple[str, str]]:
    """``violations`` without those on a parameter or message field named in ``accepts``."""
    if not accepts:
        return violations
    return [
        (where, reason)
        for where, reason in violations
        if where not in accepts and where.rsplit(".", 1)[-1] not in accepts
    ]
