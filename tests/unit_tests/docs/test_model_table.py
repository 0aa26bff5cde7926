"""The table of which models do what (docs/agents.md) is the catalog's, row for row."""

from __future__ import annotations

from pathlib import Path

from kluster_integrations.core.contract import KNOWN_MODELS

AGENTS_PAGE = Path(__file__).resolve().parents[3] / "docs" / "agents.md"


def test_the_model_table_matches_the_catalog() -> None:
    text = AGENTS_PAGE.read_text() + "\n\n"
    table = text[text.index("## Which models do what") :]
    table = table[: table.index("\n\n", table.index("| model |"))]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        if line.startswith("| `"):
            rows[cells[0]] = tuple(cells[1:])
    expected = {
        info.id: (
            "native" if info.supports("tools") else "prompted",
            "yes" if info.supports("vision") else "no",
            "yes" if info.supports("reasoning") else "no",
        )
        for info in KNOWN_MODELS.values()
        if info.is_chat and not info.supports("verification")
    }
    assert rows == expected
