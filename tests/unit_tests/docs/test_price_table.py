"""The price table of docs/cost.md is the contract's (``KNOWN_PRICES``), row for row."""

from __future__ import annotations

from pathlib import Path

from kluster_integrations.core.contract import KNOWN_MODELS, KNOWN_PRICES, TokenPrice

COST_PAGE = Path(__file__).resolve().parents[3] / "docs" / "cost.md"


def shown(price: TokenPrice | None) -> str:
    if price is None:
        return "unknown"
    low, high = price.in_millions()
    return f"{low:.2f} / {high:.2f}"


def test_the_price_table_matches_the_contract() -> None:
    text = COST_PAGE.read_text()
    table = text[text.index("| model | real-time |") :]
    table = table[: table.index("\n\n")]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].removesuffix(" (embeddings)")] = tuple(cells[1:])
    expected = {}
    for model, prices in KNOWN_PRICES.items():
        if model not in KNOWN_MODELS:
            continue  # retired
        if prices.realtime is not None and prices.realtime.output is None:
            expected[model] = (f"{prices.realtime.in_millions()[0]:.2f} per input token", "none")
            continue
        windows = [prices.at(w) for w in ("24h", "48h", "72h")]
        batch = (
            " / ".join(f"{w.in_millions()[0]:.2f}" for w in windows if w is not None)
            if all(w is not None and w.input == w.output for w in windows)
            else "unknown"
        )
        expected[model] = (shown(prices.realtime), batch)
    assert rows == expected
