"""The record the sanitizer keeps of what it changed in a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal["dropped", "renamed", "rewritten"]


@dataclass(frozen=True)
class Change:
    """One change: where in the request, what was done, and why.

    ``location`` is a path such as ``"tools"``, ``"extra_body.max_tokens"`` or
    ``"messages[2].name"``.
    """

    location: str
    action: Action
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.action} ({self.reason})"
