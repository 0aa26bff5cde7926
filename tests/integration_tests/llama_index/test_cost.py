"""What ``KlusterLLM`` and ``KlusterEmbedding`` calls cost, on the emulator: each answer's
``additional_kwargs["cost_usd"]`` is its usage times the model's price (``None`` when
unknown), and the ``KlusterCostHandler`` (LlamaIndex instrumentation) agrees with
``track_cost`` and with the per-answer sums on a query engine and an agent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core import Settings, VectorStoreIndex
from llama_index.core.agent.workflow import ReActAgent
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events.llm import (
    LLMChatEndEvent,
    LLMCompletionEndEvent,
)
from llama_index.core.llms import ChatMessage
from llama_index.core.tools import FunctionTool

from kluster_integrations import UnpricedModelWarning, reset_prices, track_cost
from kluster_integrations.core.models import reset_catalog
from kluster_integrations.demo._llama_index_rag import load_corpus
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index import (
    KlusterCostEvent,
    KlusterCostHandler,
    KlusterEmbedding,
    KlusterLLM,
    get_kluster_cost_handler,
)

PER_TOKEN = 0.70e-6  # Llama 3.3 70B, input and output
NEMO = "mistralai/Mistral-Nemo-Instruct-2407"  # no published price


@pytest.fixture(autouse=True)
def _built_in_prices() -> Iterator[None]:
    reset_prices()
    reset_catalog()
    yield
    reset_prices()
    reset_catalog()


class LLMAnswers(BaseEventHandler):
    """LlamaIndex's own end-of-call events: the answers as LlamaIndex saw them."""

    costs: list[Any] = []

    def handle(self, event: Any, **kwargs: Any) -> None:
        if isinstance(event, LLMChatEndEvent | LLMCompletionEndEvent) and event.response:
            self.costs.append(event.response.additional_kwargs.get("cost_usd"))


@pytest.fixture
def llm_answers() -> Iterator[LLMAnswers]:
    handler = LLMAnswers(costs=[])
    root = get_dispatcher()
    root.add_event_handler(handler)
    yield handler
    root.event_handlers = [h for h in root.event_handlers if h is not handler]


def expected(extra: dict[str, Any]) -> float:
    assert extra["prompt_tokens"] > 0 and extra["completion_tokens"] > 0
    return (extra["prompt_tokens"] + extra["completion_tokens"]) * PER_TOKEN


def test_chat_and_complete_carry_their_cost(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM()
    chat = llm.chat([ChatMessage(role="user", content="Hello there")])
    assert chat.additional_kwargs["cost_usd"] == pytest.approx(expected(chat.additional_kwargs))
    completion = llm.complete("Complete me")
    extra = completion.additional_kwargs
    assert extra["cost_usd"] == pytest.approx(expected(extra), rel=1e-12)
    assert len(kluster_env.chat_requests()) == 2


def test_a_stream_carries_its_cost_in_its_last_response(kluster_env: KlusterEmulator) -> None:
    responses = list(KlusterLLM().stream_complete("Stream it"))
    last = responses[-1].additional_kwargs
    assert last["cost_usd"] == pytest.approx(expected(last), rel=1e-12)
    assert all("cost_usd" not in r.additional_kwargs for r in responses[:-1])
    kluster_env.settings.stream_usage = False
    with track_cost() as cost:
        responses = list(KlusterLLM().stream_complete("No usage"))
    assert responses[-1].additional_kwargs["cost_usd"] is None  # unknown, not 0
    assert (cost.requests, cost.unpriced_requests) == (1, 1)


async def test_async_calls_carry_their_cost(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM()
    response = await llm.achat([ChatMessage(role="user", content="async")])
    assert response.additional_kwargs["cost_usd"] == pytest.approx(
        expected(response.additional_kwargs)
    )
    responses = [r async for r in await llm.astream_chat([ChatMessage(role="user", content="s")])]
    last = responses[-1]
    assert last.additional_kwargs["cost_usd"] == pytest.approx(expected(last.additional_kwargs))


def test_an_unpriced_model_costs_none(kluster_env: KlusterEmulator) -> None:
    with get_kluster_cost_handler() as handler, pytest.warns(UnpricedModelWarning):
        response = KlusterLLM(model=NEMO).complete("Hi")
    assert response.additional_kwargs["cost_usd"] is None
    assert (handler.requests, handler.unpriced_requests, handler.total_usd) == (1, 1, 0.0)


def test_the_handler_agrees_on_a_query_engine(
    kluster_env: KlusterEmulator, llm_answers: LLMAnswers
) -> None:
    Settings.llm = KlusterLLM()
    Settings.embed_model = KlusterEmbedding()
    with get_kluster_cost_handler() as handler, track_cost() as cost:
        engine = VectorStoreIndex.from_documents(load_corpus()).as_query_engine()
        engine.query("How many requests per minute does the Core tier allow?")
        asyncio.run(engine.aquery("Which embedding model does kluster.ai serve?"))
    chat_requests = len(kluster_env.chat_requests())
    embedding_requests = len(kluster_env.embedding_requests())
    assert chat_requests == 2 and embedding_requests >= 3  # the corpus and two questions
    assert handler.requests == cost.requests == chat_requests + embedding_requests
    assert handler.total_usd == pytest.approx(cost.total_usd, rel=1e-12)
    assert (handler.input_tokens, handler.output_tokens) == (cost.input_tokens, cost.output_tokens)
    llm_part = handler.by_model["klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"]
    assert llm_part.total_usd == pytest.approx(sum(llm_answers.costs), rel=1e-12)
    assert len(llm_answers.costs) == chat_requests  # one end event per answer
    embeddings = handler.by_model["BAAI/bge-m3"]
    assert embeddings.requests == embedding_requests and embeddings.output_tokens == 0
    assert embeddings.total_usd == pytest.approx(embeddings.input_tokens * 0.02e-6)


async def test_the_handler_agrees_on_an_agent(
    kluster_env: KlusterEmulator, llm_answers: LLMAnswers
) -> None:
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    agent = ReActAgent(tools=[FunctionTool.from_defaults(multiply)], llm=KlusterLLM())
    with get_kluster_cost_handler() as handler, track_cost() as cost:
        await agent.run(user_msg="What is 6 times 7? Use multiply.")
    assert handler.requests == cost.requests == len(kluster_env.chat_requests()) >= 1
    assert handler.total_usd == pytest.approx(cost.total_usd, rel=1e-12)
    assert handler.total_usd == pytest.approx(sum(llm_answers.costs), rel=1e-12)


def test_a_handler_added_by_hand_sees_events_and_leaving_the_block_detaches(
    kluster_env: KlusterEmulator,
) -> None:
    with get_kluster_cost_handler() as inside:
        KlusterLLM().complete("counted")
    KlusterLLM().complete("not counted")
    assert inside.requests == 1
    assert not any(isinstance(h, KlusterCostHandler) for h in get_dispatcher().event_handlers)
    seen: list[KlusterCostEvent] = []

    class Recorder(BaseEventHandler):
        def handle(self, event: Any, **kwargs: Any) -> None:
            if isinstance(event, KlusterCostEvent):
                seen.append(event)

    recorder = Recorder()
    get_dispatcher().add_event_handler(recorder)
    try:
        KlusterEmbedding().get_text_embedding("one event")
    finally:
        get_dispatcher().event_handlers.remove(recorder)
    (event,) = seen
    assert (event.kind, event.model, event.output_tokens) == ("embeddings", "BAAI/bge-m3", 0)
    assert event.cost_usd == pytest.approx(event.input_tokens * 0.02e-6)


def test_a_batch_job_s_answers_cost_the_window_s_price(
    kluster_env: KlusterEmulator, kluster_batches: Any
) -> None:
    llm = KlusterLLM(max_tokens=30)
    estimate = llm.estimate_batch_cost(["one", "two"], completion_window="72h")
    assert estimate.max_output_tokens == 60 and kluster_env.requests == []
    job = llm.submit_batch(["one", "two"], completion_window="72h")
    job.wait(poll_interval=0.01, progress=False)
    with get_kluster_cost_handler() as handler, track_cost() as cost:
        responses = job.results()
    for response in responses:
        extra = response.additional_kwargs
        tokens = extra["prompt_tokens"] + extra["completion_tokens"]
        assert extra["cost_usd"] == pytest.approx(tokens * 0.15e-6, rel=1e-12)
    assert cost.requests == 2 and handler.requests == 0  # results are no LlamaIndex calls
    assert job.cost().total_usd == pytest.approx(cost.total_usd)
