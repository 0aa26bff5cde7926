"""A model object used across event loops (asyncio.run twice, Jupyter) sends each request
once: no stale pooled connection, no hidden retry (max_retries=0 would expose either)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from llama_index.core.llms import ChatMessage

from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM

HI = [ChatMessage(role="user", content="hi")]


def chat_kluster_ainvoke() -> Callable[[], Awaitable[object]]:
    llm = ChatKluster(max_retries=0)
    return lambda: llm.ainvoke("hi")


def chat_kluster_abatch() -> Callable[[], Awaitable[object]]:
    llm = ChatKluster(max_retries=0)
    return lambda: llm.abatch(["a", "b"])  # two requests per call


def kluster_llm_achat() -> Callable[[], Awaitable[object]]:
    llm = KlusterLLM(max_retries=0)
    return lambda: llm.achat(HI)


def kluster_llm_acomplete() -> Callable[[], Awaitable[object]]:
    llm = KlusterLLM(max_retries=0)
    return lambda: llm.acomplete("hi")


def langchain_embeddings() -> Callable[[], Awaitable[object]]:
    embeddings = KlusterEmbeddings(max_retries=0)
    return lambda: embeddings.aembed_query("hi")


def llama_index_embedding() -> Callable[[], Awaitable[object]]:
    embedding = KlusterEmbedding(max_retries=0)
    return lambda: embedding.aget_text_embedding("hi")


def run_in_three_event_loops(call: Callable[[], Awaitable[object]]) -> None:
    async def five() -> None:
        await asyncio.gather(*(call() for _ in range(5)))

    for _ in range(3):
        asyncio.run(five())


@pytest.mark.parametrize(
    ("factory", "per_call"),
    [
        (chat_kluster_ainvoke, 1),
        (chat_kluster_abatch, 2),
        (kluster_llm_achat, 1),
        (kluster_llm_acomplete, 1),
    ],
)
def test_chat_across_event_loops(kluster_env, factory, per_call):
    run_in_three_event_loops(factory())
    assert len(kluster_env.chat_requests()) == 15 * per_call


@pytest.mark.parametrize("factory", [langchain_embeddings, llama_index_embedding])
def test_embeddings_across_event_loops(kluster_env, factory):
    run_in_three_event_loops(factory())
    assert len(kluster_env.embedding_requests()) == 15
