"""What answers cost (``core.cost``): usage times price, ``None`` when either is unknown,
hostile usage never an error; ``track_cost`` totals across threads and asyncio tasks; the
Batch estimate and a job's cost beside real-time."""

from __future__ import annotations

import asyncio
import contextvars
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from kluster_integrations import UnpricedModelWarning, reset_prices, set_price, track_cost
from kluster_integrations.core.cost import (
    MAX_USAGE_TOKENS,
    BatchCostCounter,
    Bill,
    Charge,
    charge_for,
    estimate_batch_cost,
    estimated_input_tokens,
    record,
    usage_tokens,
)
from kluster_integrations.core.models import reset_catalog

LLAMA_70B = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
LLAMA_8B = "klusterai/Meta-Llama-3.1-8B-Instruct-Turbo"
NEMO = "mistralai/Mistral-Nemo-Instruct-2407"  # no published price


@pytest.fixture(autouse=True)
def _prices_restored() -> Iterator[None]:
    reset_prices()
    reset_catalog()
    yield
    reset_prices()
    reset_catalog()


def test_a_charge_is_usage_times_price() -> None:
    charge = charge_for(LLAMA_70B, {"prompt_tokens": 120, "completion_tokens": 30})
    assert (charge.input_tokens, charge.output_tokens) == (120, 30)
    assert charge.usd == pytest.approx(120 * 0.70e-6 + 30 * 0.70e-6, rel=1e-12)
    batch = charge_for(LLAMA_70B, {"prompt_tokens": 120, "completion_tokens": 30}, "72h")
    assert batch.usd == pytest.approx(150 * 0.15e-6, rel=1e-12) and batch.window == "72h"


def test_an_embeddings_usage_is_priced_per_input_token() -> None:
    charge = charge_for("BAAI/bge-m3", {"prompt_tokens": 1000, "total_tokens": 1000})
    assert (charge.input_tokens, charge.output_tokens) == (1000, 0)
    assert charge.usd == pytest.approx(1000 * 0.02e-6)


def test_unknown_usage_or_price_is_none_never_zero() -> None:
    assert charge_for(LLAMA_70B, None).usd is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an answer alone does not warn: its cost says None
        charge = charge_for(NEMO, {"prompt_tokens": 5, "completion_tokens": 5})
    assert charge.usd is None and charge.input_tokens == 5


def test_adding_up_an_unpriced_answer_warns_once_per_model() -> None:
    charge = charge_for(NEMO, {"prompt_tokens": 5, "completion_tokens": 5})
    with track_cost() as cost, pytest.warns(UnpricedModelWarning, match=NEMO):
        record(charge)
    with track_cost(), warnings.catch_warnings():
        warnings.simplefilter("error")
        record(charge)  # once
        record(charge_for(LLAMA_70B, None))  # no usage: not a price problem
    assert cost.unpriced_requests == 1


@pytest.mark.parametrize(
    "usage",
    [
        {"prompt_tokens": True, "completion_tokens": 1},
        {"prompt_tokens": -1, "completion_tokens": 1},
        {"prompt_tokens": 10**5000, "completion_tokens": 1},
        {"prompt_tokens": MAX_USAGE_TOKENS + 1, "completion_tokens": 1},
        {"prompt_tokens": 1.5, "completion_tokens": 1},
        {"prompt_tokens": "12", "completion_tokens": 1},
        {"prompt_tokens": 3, "total_tokens": 2},
        {"completion_tokens": 1},
        "usage",
        [1, 2],
    ],
)
def test_hostile_usage_is_unknown_usage_not_an_error(usage: object) -> None:
    assert usage_tokens(usage) is None
    assert charge_for(LLAMA_70B, usage).usd is None


def test_a_chat_usage_without_completion_tokens_has_total_minus_prompt() -> None:
    assert usage_tokens({"prompt_tokens": 3, "total_tokens": 10}) == (3, 7)


def test_a_bill_sums_its_requests_and_is_unknown_if_one_is() -> None:
    assert Bill().usd is None
    bill = Bill(Charge("m", 1, 1, 0.25), Charge("m", 1, 1, 0.5))
    assert bill.usd == 0.75
    bill.add(Charge("m", 1, 1, None))
    assert bill.usd is None


def test_track_cost_totals_and_by_model_and_nested_blocks() -> None:
    with track_cost() as outer:
        record(Charge(LLAMA_70B, 10, 5, 0.001))
        with track_cost() as inner:
            record(Charge(NEMO, 7, 3, None))
        record(Charge(LLAMA_70B, 1, 1, 0.002))
    record(Charge(LLAMA_70B, 1, 1, 1.0))  # outside any block
    assert (outer.total_usd, outer.requests, outer.unpriced_requests) == (
        pytest.approx(0.003),
        3,
        1,
    )
    assert (outer.input_tokens, outer.output_tokens) == (18, 9)
    assert outer.by_model[LLAMA_70B].requests == 2
    assert outer.by_model[NEMO].unpriced_requests == 1
    assert (inner.requests, inner.total_usd, inner.unpriced_requests) == (1, 0.0, 1)


def test_track_cost_sees_threads_that_copy_the_context_and_asyncio_tasks() -> None:
    async def answers() -> None:
        async def one() -> None:
            await asyncio.sleep(0)
            record(Charge(LLAMA_70B, 1, 1, 0.001))

        await asyncio.gather(*(one() for _ in range(50)))

    with track_cost() as cost:
        with ThreadPoolExecutor(4) as pool:
            context = contextvars.copy_context
            futures = [
                pool.submit(context().run, record, Charge(LLAMA_8B, 2, 2, 0.01)) for _ in range(200)
            ]
            for future in futures:
                future.result()
        asyncio.run(answers())
    assert cost.requests == 250
    assert cost.by_model[LLAMA_8B].total_usd == pytest.approx(2.0)
    assert cost.by_model[LLAMA_70B].total_usd == pytest.approx(0.05)


def test_the_batch_estimate_bounds_output_by_max_tokens_beside_real_time() -> None:
    body = {
        "model": LLAMA_70B,
        "messages": [{"role": "user", "content": "x" * 400}],
        "max_completion_tokens": 10,
    }
    assert estimated_input_tokens(body) == 100 + 3
    estimate = estimate_batch_cost([body] * 200, "24h")
    assert (estimate.requests, estimate.input_tokens, estimate.max_output_tokens) == (
        200,
        200 * 103,
        2000,
    )
    tokens = 200 * 103 + 2000
    assert estimate.batch_usd == pytest.approx(tokens * 0.20e-6)
    assert estimate.realtime_usd == pytest.approx(tokens * 0.70e-6)
    assert estimate.savings_usd == pytest.approx(tokens * 0.50e-6)


def test_the_estimate_takes_the_model_s_output_limit_without_max_tokens() -> None:
    body = {"model": LLAMA_8B, "messages": [{"role": "user", "content": "hi"}]}
    assert estimate_batch_cost([body], "48h").max_output_tokens == 131_072


def test_the_estimate_is_unknown_where_a_price_is() -> None:
    body = {"model": "google/gemma-3-27b-it", "messages": [], "max_completion_tokens": 1}
    with pytest.warns(UnpricedModelWarning):
        estimate = estimate_batch_cost([body], "24h")
    assert estimate.batch_usd is None and estimate.realtime_usd is not None
    assert estimate.savings_usd is None


def test_a_job_s_cost_is_at_its_window_s_price_beside_real_time() -> None:
    counter = BatchCostCounter()
    usage = {"prompt_tokens": 1000, "completion_tokens": 1000}
    for _ in range(3):
        counter.add({"model": LLAMA_70B, "usage": usage}, "48h")
    cost = counter.result()
    assert (cost.window, cost.requests, cost.unpriced_requests) == ("48h", 3, 0)
    assert cost.total_usd == pytest.approx(3 * 2000 * 0.18e-6)
    assert cost.realtime_usd == pytest.approx(3 * 2000 * 0.70e-6)
    assert cost.savings_usd == pytest.approx(3 * 2000 * 0.52e-6)
    assert cost.by_model[LLAMA_70B].input_tokens == 3000


def test_a_job_with_an_unpriced_result_has_no_savings_figure() -> None:
    counter = BatchCostCounter()
    counter.add({"model": LLAMA_70B, "usage": {"prompt_tokens": 1, "completion_tokens": 1}}, "24h")
    counter.add({"model": LLAMA_70B}, "24h")  # no usage
    cost = counter.result()
    assert (cost.requests, cost.unpriced_requests, cost.savings_usd) == (2, 1, None)


def test_a_user_price_reaches_the_charge() -> None:
    set_price("acme/dedicated", input_per_million=2.0, output_per_million=4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charge = charge_for("acme/dedicated", {"prompt_tokens": 10, "completion_tokens": 10})
    assert charge.usd == pytest.approx(60e-6)
