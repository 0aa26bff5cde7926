"""What ``ChatKluster`` and ``KlusterEmbeddings`` calls cost, on the emulator: each answer's
``response_metadata["cost_usd"]`` is its usage times the model's price (``None`` when the
price or the usage is unknown, never 0); ``get_kluster_callback`` and ``track_cost`` agree
with the per-answer sums on ``abatch``, a LangGraph agent and Batch API jobs."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.tools import tool

from kluster_integrations import UnpricedModelWarning, reset_prices, track_cost
from kluster_integrations.core.errors import BatchInputError
from kluster_integrations.core.models import reset_catalog
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain import (
    ChatKluster,
    KlusterCallbackHandler,
    KlusterEmbeddings,
    get_kluster_callback,
)

LLAMA_70B = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"  # 0.70 / 0.70, 24h 0.20, 48h 0.18
NEMO = "mistralai/Mistral-Nemo-Instruct-2407"  # no published price
PER_TOKEN = 0.70e-6


@pytest.fixture(autouse=True)
def _built_in_prices() -> Iterator[None]:
    reset_prices()
    reset_catalog()
    yield
    reset_prices()
    reset_catalog()


def usage_cost(message: AIMessage, per_token: float = PER_TOKEN) -> float:
    usage = message.usage_metadata
    assert usage is not None and usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    return (usage["input_tokens"] + usage["output_tokens"]) * per_token


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def test_an_answer_costs_its_usage_times_the_price(emulator: KlusterEmulator) -> None:
    message = ChatKluster().invoke("How much is this?")
    assert message.response_metadata["cost_usd"] == pytest.approx(usage_cost(message), rel=1e-12)
    body = emulator.chat_requests()[0]
    assert body["model"] == LLAMA_70B and "stream_options" not in body


def test_a_stream_with_usage_carries_its_cost_on_the_aggregated_chunk(
    emulator: KlusterEmulator,
) -> None:
    chunks = list(ChatKluster().stream("Stream a reply please"))
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    assert isinstance(whole, AIMessageChunk)
    priced = [c for c in chunks if c.response_metadata.get("cost_usd") is not None]
    assert len(priced) == 1 and priced[0].usage_metadata is not None  # the usage chunk
    assert whole.response_metadata["cost_usd"] == pytest.approx(usage_cost(whole), rel=1e-12)
    assert emulator.chat_requests()[0]["stream"] is True


def test_a_stream_without_usage_costs_none_and_counts_as_unpriced(
    emulator: KlusterEmulator,
) -> None:
    emulator.settings.stream_usage = False
    with track_cost() as cost, get_kluster_callback() as cb:
        chunks = list(ChatKluster().stream("No usage this time"))
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    assert whole.usage_metadata is None
    assert "cost_usd" in whole.response_metadata and whole.response_metadata["cost_usd"] is None
    assert (cost.requests, cost.unpriced_requests, cost.total_usd) == (1, 1, 0.0)
    assert (cb.successful_requests, cb.unpriced_requests, cb.total_cost) == (1, 1, 0.0)


async def test_async_calls_are_priced_too(emulator: KlusterEmulator) -> None:
    llm = ChatKluster()
    message = await llm.ainvoke("async hello")
    assert message.response_metadata["cost_usd"] == pytest.approx(usage_cost(message))
    whole = None
    async for chunk in llm.astream("async stream"):
        whole = chunk if whole is None else whole + chunk
    assert whole is not None
    assert whole.response_metadata["cost_usd"] == pytest.approx(usage_cost(whole))


def test_an_unpriced_model_costs_none_never_zero(emulator: KlusterEmulator) -> None:
    reset_prices()  # forget the earlier warnings
    with track_cost() as cost, pytest.warns(UnpricedModelWarning, match=NEMO):
        message = ChatKluster(model=NEMO).invoke("Hi")
    assert "cost_usd" in message.response_metadata
    assert message.response_metadata["cost_usd"] is None
    assert (cost.requests, cost.unpriced_requests, cost.total_usd) == (1, 1, 0.0)
    assert cost.input_tokens == message.usage_metadata["input_tokens"]  # type: ignore[index]


def test_n_requests_each_cost_their_own_and_the_result_sums_them(
    emulator: KlusterEmulator,
) -> None:
    with track_cost() as cost:
        result = ChatKluster(n=3).generate([[HumanMessage("three answers please")]])
    generations = result.generations[0]
    assert len(generations) == 3 and len(emulator.chat_requests()) == 3
    costs = [g.message.response_metadata["cost_usd"] for g in generations]  # type: ignore[attr-defined]
    for generation, each in zip(generations, costs, strict=True):
        assert each == pytest.approx(usage_cost(generation.message))  # type: ignore[arg-type]
    assert result.llm_output is not None
    assert result.llm_output["cost_usd"] == pytest.approx(sum(costs))
    assert cost.requests == 3 and cost.total_usd == pytest.approx(sum(costs))


def test_totals_agree_with_the_answers_on_abatch_of_50(emulator: KlusterEmulator) -> None:
    llm = ChatKluster()
    with track_cost() as cost, get_kluster_callback() as cb:
        messages = asyncio.run(
            llm.abatch([f"question {i}" for i in range(50)], config={"max_concurrency": 10})
        )
    per_answer = sum(m.response_metadata["cost_usd"] for m in messages)
    assert len(emulator.chat_requests()) == 50
    assert cost.requests == cb.successful_requests == 50
    assert cost.total_usd == pytest.approx(per_answer, rel=1e-12)
    assert cb.total_cost == pytest.approx(per_answer, rel=1e-12)
    assert cb.prompt_tokens == cost.input_tokens
    assert cb.completion_tokens == cost.output_tokens
    assert cb.total_tokens == sum(m.usage_metadata["total_tokens"] for m in messages)  # type: ignore[index]
    assert cost.by_model[LLAMA_70B].requests == 50


def test_totals_agree_with_the_answers_on_a_langgraph_agent(emulator: KlusterEmulator) -> None:
    agent = create_agent(ChatKluster(), tools=[multiply])
    with track_cost() as cost, get_kluster_callback() as cb:
        result = agent.invoke({"messages": [("user", "What is 6 times 7?")]})
        streamed = asyncio.run(agent.ainvoke({"messages": [("user", "3 times 4?")]}))
    answers = [
        m
        for m in [*result["messages"], *streamed["messages"]]
        if isinstance(m, AIMessage) and "cost_usd" in m.response_metadata
    ]
    assert len(answers) == len(emulator.chat_requests()) == 4  # tool call, answer, twice
    per_answer = sum(m.response_metadata["cost_usd"] for m in answers)
    assert cost.total_usd == pytest.approx(per_answer, rel=1e-12)
    assert cb.total_cost == pytest.approx(per_answer, rel=1e-12)
    assert cb.successful_requests == cost.requests == 4


def test_the_handler_can_be_passed_as_a_callback(emulator: KlusterEmulator) -> None:
    handler = KlusterCallbackHandler()
    message = ChatKluster().invoke("hi", config={"callbacks": [handler]})
    assert handler.total_cost == pytest.approx(message.response_metadata["cost_usd"])
    assert "Total Cost (USD)" in repr(handler)


def test_embeddings_are_priced_per_input_token_and_tracked(emulator: KlusterEmulator) -> None:
    with track_cost() as cost:
        KlusterEmbeddings().embed_documents(["one two three", "four five"])
    (totals,) = cost.by_model.values()
    assert cost.by_model["BAAI/bge-m3"] == totals
    assert totals.requests == len(emulator.embedding_requests()) == 1
    assert totals.output_tokens == 0 and totals.input_tokens > 0
    assert totals.total_usd == pytest.approx(totals.input_tokens * 0.02e-6)


def test_a_batch_job_costs_its_window_s_price(emulator: KlusterEmulator, kluster_batches) -> None:
    llm = ChatKluster(max_tokens=40)
    inputs = [f"Classify: review {i}" for i in range(6)]
    estimate = llm.estimate_batch_cost(inputs, completion_window="48h")
    assert estimate.requests == 6 and estimate.max_output_tokens == 6 * 40
    assert estimate.batch_usd < estimate.realtime_usd  # type: ignore[operator]
    assert emulator.requests == []  # an estimate sends nothing

    job = llm.submit_batch(inputs, completion_window="48h")
    job.wait(poll_interval=0.01, progress=False)
    with track_cost() as tracked:
        messages = job.results()
        job.results()  # read twice, counted once
    each = [m.response_metadata["cost_usd"] for m in messages]
    for message, usd in zip(messages, each, strict=True):
        assert usd == pytest.approx(usage_cost(message, 0.18e-6), rel=1e-12)
    cost = job.cost()
    assert (cost.window, cost.requests, cost.unpriced_requests) == ("48h", 6, 0)
    assert cost.total_usd == pytest.approx(sum(each), rel=1e-12)
    assert cost.realtime_usd == pytest.approx(sum(each) * 0.70 / 0.18, rel=1e-9)
    assert cost.savings_usd == pytest.approx(cost.realtime_usd - cost.total_usd)
    assert (tracked.requests, tracked.total_usd) == (6, pytest.approx(sum(each)))
    assert cost.input_tokens + cost.output_tokens <= estimate.input_tokens + 6 * 40


def test_a_batch_estimate_refuses_a_window_kluster_does_not_offer(
    emulator: KlusterEmulator,
) -> None:
    with pytest.raises(BatchInputError, match="completion_window"):
        ChatKluster().estimate_batch_cost(["hi"], completion_window="1h")


def test_pricing_adds_no_warning_for_a_priced_model(emulator: KlusterEmulator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ChatKluster().invoke("quiet")
