"""Prices and account limits in the live model list, read as kluster's OpenAPI schema of
June 2025 has them; a price from the server that cannot be right (negative, not a number,
a per-1M figure sent as per-token) is refused with a ``ModelListingWarning`` naming the
model, and the built-in prices stay."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kluster_integrations import price_of, reset_prices
from kluster_integrations.core.contract import ModelLimits
from kluster_integrations.core.errors import ModelListingWarning
from kluster_integrations.core.models import (
    listed_models,
    load_listing,
    lookup_model,
    prices_from_listing,
    reset_catalog,
)

LLAMA_70B = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"

#: An entry shaped as the schema's example.
ENTRY = {
    "id": LLAMA_70B,
    "pricing": {
        "realtime": {"input": 9e-7, "output": 1.1e-6},
        "asynchronous": {
            "asap": {"input": 8e-7, "output": 8e-7},
            "24h": {"input": 3e-7, "output": 3e-7},
        },
        "fineTunedRealtime": {"input": 1.2e-6, "output": 1.2e-6},
        "fineTuningTraining": 0.02,
    },
    "limits": {
        "concurrent_requests": 10,
        "max_async_queue_size": 50,
        "request_limit": 400,
        "request_limit_time_unit": "minute",
    },
}


@pytest.fixture(autouse=True)
def _built_in_catalog() -> Iterator[None]:
    yield
    reset_catalog()
    reset_prices()


def test_prices_and_limits_of_an_entry_are_read_and_used() -> None:
    (listed,) = listed_models({"data": [ENTRY]})
    prices = prices_from_listing(listed)
    assert prices is not None
    assert prices.at().in_millions() == (0.9, 1.1)
    assert sorted(prices.batch) == ["24h", "asap"]
    assert prices.fine_tuned is not None and prices.fine_tuned.in_millions() == (1.2, 1.2)
    load_listing([listed])
    assert price_of(LLAMA_70B, "24h").in_millions() == (0.3, 0.3)
    assert lookup_model(LLAMA_70B).limits == ModelLimits(10, 400, "minute", 50)
    assert price_of(f"ft:{LLAMA_70B}:acme").in_millions() == (1.2, 1.2)


def test_an_entry_without_pricing_keeps_the_built_in_prices() -> None:
    load_listing(listed_models({"data": [{"id": LLAMA_70B}]}))
    assert price_of(LLAMA_70B).in_millions() == (0.70, 0.70)
    assert lookup_model(LLAMA_70B).limits is None


@pytest.mark.parametrize(
    "price",
    [-1e-7, "0.0000007", True, None, 0.7, float("inf"), {"amount": 1}],
    ids=["negative", "text", "bool", "null-is-fine", "per-million", "infinite", "object"],
)
def test_a_price_that_cannot_be_right_is_refused_naming_the_model(price: Any) -> None:
    entry = {"id": LLAMA_70B, "pricing": {"realtime": {"input": price, "output": 9e-7}}}
    if price is None:  # unknown, not wrong
        (listed,) = listed_models({"data": [entry]})
        assert prices_from_listing(listed).at().input is None  # type: ignore[union-attr]
        return
    with pytest.warns(ModelListingWarning, match=LLAMA_70B) as caught:
        (listed,) = listed_models({"data": [entry]})
    (warning,) = [w.message for w in caught]
    assert isinstance(warning, ModelListingWarning)
    assert warning.model == LLAMA_70B and warning.fields == ("pricing",)
    assert listed.pricing is None
    load_listing([listed])
    assert price_of(LLAMA_70B).in_millions() == (0.70, 0.70)  # the built-in ones stay


def test_limits_that_cannot_be_right_are_dropped_with_a_warning() -> None:
    entry = {"id": LLAMA_70B, "limits": {"concurrent_requests": -3}}
    with pytest.warns(ModelListingWarning, match="limits"):
        (listed,) = listed_models({"data": [entry]})
    assert listed.limits is None
