"""The prices in use: the built-in table (``core.contract.KNOWN_PRICES``), replaced model by
model by kluster.ai's live list once it is loaded (``refresh_catalog``), under the prices a
user set (``set_price``: a dedicated deployment, a negotiated rate).

A fine-tune (``ft:<base model>:...``) the table does not name costs its base model's
``fine_tuned`` price. Asking for the price of a model nobody priced gives ``None`` (unknown,
never 0) and warns once (``UnpricedModelWarning``).

Example::

    >>> price_of("klusterai/Meta-Llama-3.3-70B-Instruct-Turbo").in_millions()
    (0.7, 0.7)
    >>> price_of("klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", "48h").in_millions()
    (0.18, 0.18)
    >>> set_price("ft:acme", input_per_million=0.25, output_per_million=0.5)
    >>> price_of("ft:acme").in_millions()
    (0.25, 0.5)
    >>> reset_prices()
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from kluster_integrations.core.contract import (
    FINE_TUNED_PREFIX,
    KNOWN_PRICES,
    PRICED_WINDOWS,
    ModelPrices,
    TokenPrice,
    price_problem,
)
from kluster_integrations.core.errors import InvalidPriceError, UnpricedModelWarning

_lock = threading.Lock()
_live: dict[str, ModelPrices] = {}
#: model id -> window (``None``: real-time) -> the price the user set.
_overrides: dict[str, dict[str | None, TokenPrice]] = {}
_in_use: Mapping[str, ModelPrices] = KNOWN_PRICES
#: Each model's real-time price in use, the lookup every answer makes.
_realtime: dict[str, TokenPrice] = {m: p.realtime for m, p in KNOWN_PRICES.items() if p.realtime}
_warned: set[tuple[str, str | None]] = set()


def current_prices() -> Mapping[str, ModelPrices]:
    """Every model's prices in use (read-only)."""
    return _in_use


def model_prices(model_id: str) -> ModelPrices | None:
    """The prices in use for ``model_id``; a fine-tune the table lacks gets its base
    model's ``fine_tuned`` price; ``None`` when nothing is known."""
    prices = _in_use.get(model_id)
    if prices is None and model_id.startswith(FINE_TUNED_PREFIX):
        base = _in_use.get(model_id[len(FINE_TUNED_PREFIX) :].split(":", 1)[0])
        if base is not None and base.fine_tuned is not None:
            prices = ModelPrices(realtime=base.fine_tuned)
    return prices


def price_of(model_id: str, window: str | None = None, *, warn: bool = True) -> TokenPrice | None:
    """The real-time price of ``model_id`` (``window=None``) or its price in that Batch
    completion window; ``None`` when unknown, with an ``UnpricedModelWarning`` (once per
    model and window) unless ``warn`` is false (each answer's lookup: the warning comes
    when unknown costs are added up, see ``core.cost``)."""
    if window is None and (price := _realtime.get(model_id)) is not None:
        return price
    prices = model_prices(model_id)
    price = prices.at(window) if prices is not None else None
    if price is None and warn:
        warn_unpriced(model_id, window)
    return price


def warn_unpriced(model_id: str, window: str | None = None) -> None:
    """An ``UnpricedModelWarning`` for ``model_id`` at ``window``, once per process."""
    key = (model_id, window)
    if key in _warned:
        return
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(UnpricedModelWarning(model_id, window), stacklevel=4)


def set_price(
    model: str,
    *,
    input_per_million: float | None,
    output_per_million: float | None = None,
    window: str | None = None,
) -> None:
    """Use this price for ``model`` from now on, over the built-in and live ones: USD per
    1M input and output tokens (``None``: not known), real-time or for one Batch
    completion window (``window="24h"``, one of ``core.contract.PRICED_WINDOWS``).

    ``InvalidPriceError`` (nothing changed) for a price that is not a non-negative number,
    an unknown window, or a model id that is not text."""
    if not isinstance(model, str) or not model:
        raise InvalidPriceError(model, "has no model id (give the model id as text)")
    if window is not None and window not in PRICED_WINDOWS:
        raise InvalidPriceError(
            model, f"names the window {window!r}; priced windows are {', '.join(PRICED_WINDOWS)}"
        )
    for name, value in (("input", input_per_million), ("output", output_per_million)):
        problem = price_problem(value)
        if problem is not None:
            raise InvalidPriceError(model, f"per {name} token {problem} ({value!r:.40})")
    price = TokenPrice.per_million(input_per_million, output_per_million)
    with _lock:
        _overrides.setdefault(model, {})[window] = price
        _warned.discard((model, window))
        _rebuild()


def reset_prices() -> None:
    """Forget the prices set with ``set_price`` (the built-in and live ones stay)."""
    with _lock:
        _overrides.clear()
        _warned.clear()
        _rebuild()


def use_live_prices(prices: Mapping[str, ModelPrices]) -> None:
    """Each model's prices from the live list replace the built-in ones (a model the list
    does not price keeps its own)."""
    with _lock:
        _live.update(prices)
        _warned.clear()
        _rebuild()


def forget_live_prices() -> None:
    """Back to the built-in prices (the user's stay); ``reset_catalog`` calls it."""
    with _lock:
        _live.clear()
        _warned.clear()
        _rebuild()


def _rebuild() -> None:
    """The table in use, rebuilt under the lock after each change (lookups read it whole,
    without the lock)."""
    global _in_use, _realtime
    merged: dict[str, ModelPrices] = {**KNOWN_PRICES, **_live}
    for model, by_window in _overrides.items():
        merged[model] = _overridden(merged.get(model), by_window)
    _in_use = MappingProxyType(merged)
    _realtime = {model: prices.realtime for model, prices in merged.items() if prices.realtime}


def _overridden(prices: ModelPrices | None, by_window: Mapping[str | None, Any]) -> ModelPrices:
    base = prices or ModelPrices()
    batch = {**base.batch, **{w: p for w, p in by_window.items() if w is not None}}
    return ModelPrices(
        realtime=by_window.get(None, base.realtime),
        batch=MappingProxyType(batch),
        fine_tuned=base.fine_tuned,
    )
