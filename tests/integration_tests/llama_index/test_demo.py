"""The LlamaIndex part of the demo streams a retrieval-augmented answer on the emulator."""

from __future__ import annotations

from kluster_integrations.demo import _llama_index_rag as llama_index_rag
from kluster_integrations.emulator._server import KlusterEmulator

from .conftest import assert_contract_kept


def test_demo_streams_the_answer_and_lists_sources(kluster_env: KlusterEmulator) -> None:
    printed: list[tuple[str, str]] = []
    answer = llama_index_rag.run(lambda text="", end="\n": printed.append((text, end)))

    assert "1024 dimensions" in answer
    streamed = [text for text, end in printed if end == "" and text not in ("A: ",)]
    assert len(streamed) > 3 and "".join(streamed) == answer  # token by token
    output = "".join(text + end for text, end in printed)
    assert "Sources:" in output and "embeddings.md" in output

    (chat,) = kluster_env.chat_requests()
    assert chat["stream"] is True
    assert len(kluster_env.embedding_requests()) >= 2  # the corpus, then the question
    assert_contract_kept(kluster_env)


def test_corpus_is_shipped_with_the_package() -> None:
    documents = llama_index_rag.load_corpus()
    assert 4 <= len(documents) <= 6
    assert all(doc.metadata["file_name"].endswith(".md") and doc.text for doc in documents)
