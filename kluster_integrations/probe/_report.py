"""The probe's findings: one ``Check`` per probe, and the report as text or JSON.

Example::

    report = ProbeReport("https://api.kluster.ai/v1", checks)
    print(report.to_text())            # a table, drift first
    report.drift                       # the checks whose answer contradicts the contract
    json.loads(report.to_json())["checks"][0]["status"]
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from kluster_integrations.core.contract import CATALOG_DATE, CONTRACT_DATE, CONTRACT_SOURCE

#: ``ok``: as the contract says; ``drift``: the API contradicts it; ``note``: observed, no
#: rule to judge it by; ``untested``: a rule the probe has no test value for (not sent);
#: ``error``: the probe could not tell (network, 5xx, ...).
Status = Literal["ok", "drift", "note", "untested", "error"]

_ORDER = {"drift": 0, "error": 1, "untested": 2, "note": 3, "ok": 4}


@dataclass(frozen=True)
class Check:
    """What one probe found. ``detail`` is the server's message or what was measured."""

    rule: str
    model: str
    expected: str | None
    observed: str
    status: Status
    detail: str = ""
    tokens: int = 0


@dataclass
class ProbeReport:
    """Every check of one probe run against ``base_url``."""

    base_url: str
    checks: list[Check] = field(default_factory=list)
    aborted: str | None = None

    @property
    def drift(self) -> list[Check]:
        return [check for check in self.checks if check.status == "drift"]

    @property
    def tokens_used(self) -> int:
        return sum(check.tokens for check in self.checks)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for check in self.checks:
            counts[check.status] = counts.get(check.status, 0) + 1
        return counts

    def summary(self) -> str:
        counts = ", ".join(
            f"{n} {status}"
            for status, n in sorted(self.counts().items(), key=lambda item: _ORDER[item[0]])
        )
        return f"{len(self.checks)} checks: {counts}; {self.tokens_used} tokens used."

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "contract": {"source": CONTRACT_SOURCE, "date": CONTRACT_DATE},
            "catalog_date": CATALOG_DATE,
            "aborted": self.aborted,
            "drift": len(self.drift),
            "tokens_used": self.tokens_used,
            "checks": [asdict(check) for check in self.checks],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        lines = [
            f"kluster.ai contract drift probe against {self.base_url}",
            f"contract: {CONTRACT_SOURCE} of {CONTRACT_DATE}; model catalog of {CATALOG_DATE}",
            "",
        ]
        for check in sorted(self.checks, key=lambda c: _ORDER[c.status]):
            expected = f"expected {check.expected}, " if check.expected else ""
            line = (
                f"{check.status.upper():<8} {check.rule:<38} {check.model:<50} "
                f"{expected}observed {check.observed}"
            )
            if check.detail and check.status != "ok":
                line += f"\n{'':<9}{check.detail}"
            lines.append(line)
        lines += ["", self.summary()]
        if self.aborted:
            lines.append(f"Stopped early: {self.aborted}")
        elif self.drift:
            lines.append(
                "Drift: update core/contract/_api.py, _models.py or _prices.py (dated, with the "
                "source), or report it to kluster.ai. Until then, refresh_catalog() uses the "
                "live prices and limits."
            )
        return "\n".join(lines)
