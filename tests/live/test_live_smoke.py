"""A short smoke of every adapter path on the real kluster.ai, a few tokens each.

Run with ``make test-live`` (needs ``KLUSTER_API_KEY``). What each call sends is checked
byte for byte against the emulator in the rest of the suite; here the question is only
whether kluster.ai still answers each path.
"""

from __future__ import annotations

import pytest

from kluster_integrations.core.contract import EMBEDDING_DIMENSIONS
from tests.live.conftest import LIVE_MODEL, MAX_TOKENS, needs_key

pytestmark = [pytest.mark.live, needs_key]

PROMPT = "Reply with the single word OK."


@pytest.fixture
def chat_model():
    from kluster_integrations.langchain.chat_models import ChatKluster

    return ChatKluster(model=LIVE_MODEL, max_tokens=MAX_TOKENS, temperature=0)


@pytest.fixture
def llm():
    from kluster_integrations.llama_index.llms import KlusterLLM

    return KlusterLLM(model=LIVE_MODEL, max_tokens=MAX_TOKENS, temperature=0)


def test_langchain_invoke(chat_model) -> None:
    reply = chat_model.invoke(PROMPT)
    assert reply.content.strip()
    assert reply.usage_metadata is not None
    assert 0 < reply.usage_metadata["output_tokens"] <= MAX_TOKENS


def test_langchain_stream(chat_model) -> None:
    chunks = list(chat_model.stream(PROMPT))
    assert "".join(str(chunk.content) for chunk in chunks).strip()


async def test_langchain_async(chat_model) -> None:
    reply = await chat_model.ainvoke(PROMPT)
    assert reply.content.strip()
    streamed = [chunk.content async for chunk in chat_model.astream(PROMPT)]
    assert "".join(map(str, streamed)).strip()


def test_langchain_embeddings() -> None:
    from kluster_integrations.langchain.embeddings import KlusterEmbeddings

    embeddings = KlusterEmbeddings()
    documents = embeddings.embed_documents(["kluster.ai", "embeddings"])
    assert [len(vector) for vector in documents] == [EMBEDDING_DIMENSIONS] * 2
    assert len(embeddings.embed_query("kluster.ai")) == EMBEDDING_DIMENSIONS


def test_llama_index_chat(llm) -> None:
    from llama_index.core.llms import ChatMessage

    reply = llm.chat([ChatMessage(role="user", content=PROMPT)])
    assert (reply.message.content or "").strip()
    streamed = "".join(
        r.delta or "" for r in llm.stream_chat([ChatMessage(role="user", content=PROMPT)])
    )
    assert streamed.strip()


async def test_llama_index_async(llm) -> None:
    from llama_index.core.llms import ChatMessage

    reply = await llm.achat([ChatMessage(role="user", content=PROMPT)])
    assert (reply.message.content or "").strip()


def test_llama_index_embeddings() -> None:
    from kluster_integrations.llama_index.embeddings import KlusterEmbedding

    embedding = KlusterEmbedding()
    assert len(embedding.get_text_embedding("kluster.ai")) == EMBEDDING_DIMENSIONS
    vectors = embedding.get_text_embedding_batch(["kluster.ai", "embeddings"])
    assert [len(vector) for vector in vectors] == [EMBEDDING_DIMENSIONS] * 2


def test_verify_against_a_context() -> None:
    from kluster_integrations import verify_reliability

    result = verify_reliability(
        prompt="Who is the client?",
        output="The client is Acme.",
        context="Client: Acme. Amount: 7116 GBP.",
    )
    assert isinstance(result.is_hallucination, bool)
    assert result.usage.total_tokens > 0
