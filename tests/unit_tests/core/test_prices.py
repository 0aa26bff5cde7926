"""The prices in use: the dated built-in table, the live list model by model, the user's
overrides on top; an unknown price is ``None`` (never 0), warned once; a price that is not
a price is refused with a typed error naming the model."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from types import MappingProxyType

import pytest

from kluster_integrations import (
    KNOWN_PRICES,
    InvalidPriceError,
    ModelPrices,
    TokenPrice,
    UnpricedModelWarning,
    price_of,
    reset_prices,
    set_price,
)
from kluster_integrations.core.contract import KNOWN_MODELS, PRICED_WINDOWS
from kluster_integrations.core.errors import ConfigurationError
from kluster_integrations.core.models import reset_catalog, use_live_prices

LLAMA_70B = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
#: Models kluster.ai serves whose price no public source gives.
UNPRICED = (
    "mistralai/Magistral-Small-2506",
    "mistralai/Mistral-Nemo-Instruct-2407",
    "mistralai/Mistral-Small-24B-Instruct-2501",
    "klusterai/verify-reliability",
)


@pytest.fixture(autouse=True)
def _prices_restored() -> Iterator[None]:
    reset_prices()
    reset_catalog()
    yield
    reset_prices()
    reset_catalog()


def per_million(price: TokenPrice | None) -> tuple[float | None, float | None]:
    assert price is not None
    return price.in_millions()


def test_the_built_in_table_holds_the_cited_figures_per_token() -> None:
    assert per_million(price_of(LLAMA_70B)) == (0.70, 0.70)
    assert price_of(LLAMA_70B).input == pytest.approx(0.70e-6)
    assert [per_million(price_of(LLAMA_70B, w)) for w in ("24h", "48h", "72h")] == [
        (0.20, 0.20),
        (0.18, 0.18),
        (0.15, 0.15),
    ]
    assert per_million(price_of("meta-llama/Llama-4-Scout-17B-16E-Instruct")) == (0.08, 0.45)
    assert per_million(price_of("BAAI/bge-m3")) == (0.02, None)


def test_some_batch_input_tokens_cost_more_than_real_time_ones() -> None:
    """The reason both figures are shown side by side."""
    for model in ("deepseek-ai/DeepSeek-R1", "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"):
        assert price_of(model, "24h").input > price_of(model).input


def test_every_built_in_price_is_a_price_and_names_a_known_window() -> None:
    for model, prices in KNOWN_PRICES.items():
        for price in [prices.realtime, *prices.batch.values()]:
            assert price is not None
            for value in (price.input, price.output):
                assert value is None or (math.isfinite(value) and value > 0), model
        assert set(prices.batch) <= set(PRICED_WINDOWS)
    assert set(KNOWN_PRICES) - set(KNOWN_MODELS) == {"deepseek-ai/DeepSeek-R1"}  # retired


@pytest.mark.parametrize("model", UNPRICED)
def test_an_unknown_price_is_none_never_zero_and_warns_once(model: str) -> None:
    assert model not in KNOWN_PRICES
    with pytest.warns(UnpricedModelWarning, match=model) as caught:
        assert price_of(model) is None
    assert caught[0].message.model == model
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert price_of(model) is None  # once per model


def test_a_window_without_a_price_is_unknown_too() -> None:
    assert price_of("google/gemma-3-27b-it") is not None
    with pytest.warns(UnpricedModelWarning, match="Batch 24h"):
        assert price_of("google/gemma-3-27b-it", "24h") is None


def test_a_user_price_wins_per_window_and_reset_forgets_it() -> None:
    set_price(LLAMA_70B, input_per_million=0.5, output_per_million=0.6)
    set_price(LLAMA_70B, input_per_million=0.1, output_per_million=0.1, window="48h")
    assert per_million(price_of(LLAMA_70B)) == (0.5, 0.6)
    assert per_million(price_of(LLAMA_70B, "48h")) == (0.1, 0.1)
    assert per_million(price_of(LLAMA_70B, "24h")) == (0.20, 0.20)  # untouched
    reset_prices()
    assert per_million(price_of(LLAMA_70B)) == (0.70, 0.70)


def test_a_dedicated_deployment_can_be_priced_and_an_output_left_unknown() -> None:
    with pytest.warns(UnpricedModelWarning):
        assert price_of("acme/dedicated") is None
    set_price("acme/dedicated", input_per_million=1.0)
    price = price_of("acme/dedicated")
    assert per_million(price) == (1.0, None)
    assert price.cost(1_000_000, 0) == pytest.approx(1.0)
    assert price.cost(1_000_000, 1) is None  # an unknown price that matters


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"input_per_million": -0.1}, "negative"),
        ({"input_per_million": "0.7"}, "is str"),
        ({"input_per_million": float("nan")}, "finite"),
        ({"input_per_million": 1.0, "output_per_million": True}, "is bool"),
        ({"input_per_million": 1.0, "window": "96h"}, "window '96h'"),
    ],
)
def test_a_bad_price_is_refused_naming_the_model_and_nothing_changes(
    kwargs: dict, problem: str
) -> None:
    with pytest.raises(InvalidPriceError, match=problem) as raised:
        set_price(LLAMA_70B, **kwargs)
    assert raised.value.model == LLAMA_70B and LLAMA_70B in str(raised.value)
    assert isinstance(raised.value, ConfigurationError) and isinstance(raised.value, ValueError)
    assert per_million(price_of(LLAMA_70B)) == (0.70, 0.70)


def test_a_model_id_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidPriceError, match="no model id"):
        set_price("", input_per_million=1.0)


def test_live_prices_replace_a_model_s_prices_and_user_prices_stay_on_top() -> None:
    live = ModelPrices(
        realtime=TokenPrice.per_million(0.9, 0.9),
        batch=MappingProxyType({"asap": TokenPrice.per_million(0.3, 0.3)}),
    )
    use_live_prices({LLAMA_70B: live})
    assert per_million(price_of(LLAMA_70B)) == (0.9, 0.9)
    assert per_million(price_of(LLAMA_70B, "asap")) == (0.3, 0.3)
    with pytest.warns(UnpricedModelWarning):  # the live entry replaced the whole model
        assert price_of(LLAMA_70B, "24h") is None
    set_price(LLAMA_70B, input_per_million=0.2, output_per_million=0.2)
    assert per_million(price_of(LLAMA_70B)) == (0.2, 0.2)
    reset_catalog()  # back to the built-in table; the user's price stays
    assert per_million(price_of(LLAMA_70B)) == (0.2, 0.2)
    assert per_million(price_of(LLAMA_70B, "24h")) == (0.20, 0.20)


def test_a_fine_tune_costs_its_base_model_s_fine_tuned_price() -> None:
    base = "klusterai/Meta-Llama-3.1-8B-Instruct-Turbo"
    use_live_prices({base: ModelPrices(fine_tuned=TokenPrice.per_million(0.4, 0.4))})
    assert per_million(price_of(f"ft:{base}:acme:abc123")) == (0.4, 0.4)
    with pytest.warns(UnpricedModelWarning):
        assert price_of("ft:unknown/base:acme") is None
