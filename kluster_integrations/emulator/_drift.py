"""An emulator that has drifted from the contract, for testing the drift probe.

``Settings.accepts_anyway`` names parameters and message fields (``"response_format"``,
``"name"``, ``"dimensions"``) that this emulator accepts although the contract refuses
them, as kluster.ai would after a silent change; ``Settings.stream_usage`` already covers
usage in streams. ``Settings.listing_changes`` changes what ``GET /v1/models`` says about
a model (a capability withdrawn, a limit changed, or values that cannot be right).

Example::

    >>> accepted_anyway([("n", "..."), ("messages[0].name", "...")], {"name"})
    [('n', '...')]
    >>> changed_listing([{"id": "a", "tags": ["vision"]}], {"a": {"tags": REMOVED}, "b": {}})
    [{'id': 'a'}, {'id': 'b'}]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

#: A value in ``Settings.listing_changes`` that removes the field from the model's entry.
REMOVED: Any = object()


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


def changed_listing(
    entries: list[dict[str, Any]], changes: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``entries`` (a model list) with the fields in ``changes[model id]`` set (``REMOVED``:
    deleted); an id without an entry is added with only those fields."""
    listed = {entry["id"]: entry for entry in entries}
    changed = []
    for model_id in [*listed, *(m for m in changes if m not in listed)]:
        entry = {**listed.get(model_id, {"id": model_id}), **changes.get(model_id, {})}
        changed.append({name: value for name, value in entry.items() if value is not REMOVED})
    return changed
