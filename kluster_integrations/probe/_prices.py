"""Do kluster.ai's live prices still match the built-in table? One ``Check`` per model.

The extended model list (``GET /v1/models?extended=true``) carries the account's prices;
each model priced in either the list or ``core.contract.KNOWN_PRICES`` is compared,
real-time and per completion window, in USD per 1M tokens. A price that differs is
``drift`` (the table needs a dated update); one only the list gives, or only the table,
is a ``note``.

Example::

    >>> describe(KNOWN_PRICES["klusterai/Meta-Llama-3.1-8B-Instruct-Turbo"])
    'real-time 0.18/0.18, 24h 0.05/0.05, 48h 0.04/0.04, 72h 0.03/0.03'
"""

from __future__ import annotations

import math
import warnings

import openai

from kluster_integrations.core.contract import KNOWN_PRICES, PRICES_DATE, ModelPrices, TokenPrice
from kluster_integrations.core.errors import KlusterError
from kluster_integrations.core.models import fetch_listing, prices_from_listing
from kluster_integrations.probe._report import Check

RULE = "prices"
SOURCE = f"core.contract.KNOWN_PRICES of {PRICES_DATE}"


def _figures(price: TokenPrice | None) -> str:
    if price is None:
        return "unknown"
    return "/".join("?" if p is None else f"{p:g}" for p in price.in_millions())


def _priced(prices: ModelPrices) -> dict[str, TokenPrice]:
    """Each price of ``prices`` under its name: ``real-time``, then the windows."""
    named = {"real-time": prices.realtime} if prices.realtime is not None else {}
    return {**named, **prices.batch}


def describe(prices: ModelPrices | None) -> str:
    """``prices`` in USD per 1M tokens, input/output."""
    if prices is None:
        return "no prices"
    return ", ".join(f"{name} {_figures(p)}" for name, p in _priced(prices).items()) or "none"


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-15)


def differences(built_in: ModelPrices, live: ModelPrices) -> list[str]:
    """Where ``live`` differs from ``built_in``, for the prices ``built_in`` knows."""
    found = []
    live_prices = _priced(live)
    for name, price in _priced(built_in).items():
        other = live_prices.get(name)
        if other is None:
            found.append(f"{name}: the live list gives none")
        elif not (_same(price.input, other.input) and _same(price.output, other.output)):
            found.append(f"{name}: built-in {_figures(price)}, live {_figures(other)}")
    return found


def _check(model: str, built_in: ModelPrices | None, live: ModelPrices | None) -> Check:
    expected, observed = describe(built_in), describe(live)
    if built_in is None or live is None:
        which = "only the live list" if built_in is None else "only the built-in table"
        return Check(RULE, model, expected, observed, "note", f"{which} prices it ({SOURCE})")
    found = differences(built_in, live)
    if not found:
        return Check(RULE, model, expected, observed, "ok", SOURCE)
    detail = "; ".join(found) + f" (USD per 1M tokens; {SOURCE})"
    return Check(RULE, model, expected, observed, "drift", detail)


def price_checks(client: openai.OpenAI) -> list[Check]:
    """One check per priced model; one ``error`` check when the list cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a dropped value shows as a difference
            listed = fetch_listing(client)
    except (openai.OpenAIError, KlusterError) as err:
        detail = f"GET /v1/models?extended=true failed: {type(err).__name__}: {err}"[:200]
        return [Check(RULE, "(all models)", SOURCE, "error", "error", detail)]
    live = {entry.id: prices for entry in listed if (prices := prices_from_listing(entry))}
    models = [*KNOWN_PRICES, *(model for model in live if model not in KNOWN_PRICES)]
    return [_check(model, KNOWN_PRICES.get(model), live.get(model)) for model in models]
