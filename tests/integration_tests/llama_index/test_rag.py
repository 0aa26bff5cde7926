"""Whole LlamaIndex pipelines on the emulator: query engines and a chat engine."""

from __future__ import annotations

from llama_index.core import Settings, VectorStoreIndex

from kluster_integrations.core.contract import DEFAULT_EMBEDDING_MODEL
from kluster_integrations.demo._llama_index_rag import load_corpus
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM

from .conftest import assert_contract_kept, user_texts

QUESTION = "How many requests per minute does the Core tier allow?"
ANSWER = "The Core tier allows 600 requests per minute and 100 concurrent requests."


def test_settings_make_the_whole_pipeline_run_on_kluster(kluster_env: KlusterEmulator) -> None:
    Settings.llm = KlusterLLM()
    Settings.embed_model = KlusterEmbedding()
    engine = VectorStoreIndex.from_documents(load_corpus()).as_query_engine(similarity_top_k=2)
    response = engine.query(QUESTION)
    assert str(response) == ANSWER
    assert response.source_nodes[0].metadata["file_name"] == "rate-limits.md"
    embeddings = kluster_env.embedding_requests()
    assert embeddings and all(b["model"] == DEFAULT_EMBEDDING_MODEL for b in embeddings)
    assert len(kluster_env.chat_requests()) == 1
    assert_contract_kept(kluster_env)


def test_query_engine(
    index: VectorStoreIndex, llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    response = index.as_query_engine(llm=llm, similarity_top_k=2).query(QUESTION)
    assert str(response) == ANSWER
    body = kluster_env.chat_requests()[0]
    assert QUESTION in user_texts(body)
    assert len(kluster_env.embedding_requests()) == 1  # the question
    assert_contract_kept(kluster_env)


async def test_async_query_engine(
    index: VectorStoreIndex, llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    response = await index.as_query_engine(llm=llm, similarity_top_k=2).aquery(QUESTION)
    assert str(response) == ANSWER
    assert_contract_kept(kluster_env)


def test_streaming_query_engine(
    index: VectorStoreIndex, llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    engine = index.as_query_engine(llm=llm, similarity_top_k=2, streaming=True)
    tokens = list(engine.query(QUESTION).response_gen)
    assert len(tokens) > 5
    assert "".join(tokens) == ANSWER
    assert kluster_env.chat_requests()[0]["stream"] is True
    assert_contract_kept(kluster_env)


async def test_async_streaming_query_engine(
    index: VectorStoreIndex, llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    engine = index.as_query_engine(llm=llm, similarity_top_k=2, streaming=True)
    response = await engine.aquery(QUESTION)
    tokens = [token async for token in response.async_response_gen()]
    assert "".join(tokens) == ANSWER
    assert_contract_kept(kluster_env)


def test_condense_plus_context_chat_engine(
    index: VectorStoreIndex, llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    engine = index.as_chat_engine(chat_mode="condense_plus_context", llm=llm, similarity_top_k=2)
    first = engine.chat("Which embedding model does kluster.ai serve?")
    assert "BAAI/bge-m3" in str(first)
    kluster_env.queue_replies("How many dimensions do BAAI/bge-m3 vectors have?")
    second = engine.chat("How many dimensions do its vectors have?")
    assert "1024 dimensions" in str(second)
    bodies = kluster_env.chat_requests()
    assert len(bodies) == 3  # answer, condense the follow-up, answer
    assert "Which embedding model" in user_texts(bodies[1])  # history reached the condenser
    assert_contract_kept(kluster_env)
