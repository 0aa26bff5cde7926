"""The LlamaIndex half of the demo: retrieval-augmented answers streamed from kluster.ai.

It indexes the small markdown corpus shipped in ``demo/corpus`` with ``KlusterEmbedding``,
asks a question through a streaming query engine on ``KlusterLLM``, prints the answer token
by token, then the documents it came from. ``KLUSTER_API_KEY`` / ``KLUSTER_BASE_URL`` must
point somewhere (the demo backend does that, at kluster.ai or the emulator).

Example::

    from kluster_integrations.demo import _llama_index_rag as llama_index_rag
    llama_index_rag.run(lambda text, end="\\n": print(text, end=end))
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.response.schema import StreamingResponse

from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM

QUESTION = "How many dimensions do the BAAI/bge-m3 embedding vectors have?"

Emit = Callable[..., None]


def load_corpus() -> list[Document]:
    """The demo corpus: one ``Document`` per markdown file, named in its metadata."""
    corpus = files("kluster_integrations.demo").joinpath("corpus")
    return [
        Document(text=entry.read_text(encoding="utf-8"), metadata={"file_name": entry.name})
        for entry in sorted(corpus.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".md")
    ]


def run(emit: Emit, question: str = QUESTION) -> str:
    """Index the corpus, stream the answer to ``question`` through ``emit``; return it."""
    llm = KlusterLLM(temperature=0)
    embed_model = KlusterEmbedding()
    emit(
        f"LlamaIndex: VectorStoreIndex + streaming query engine on {llm.model}, "
        f"embeddings by {embed_model.model_name}"
    )

    index = VectorStoreIndex.from_documents(load_corpus(), embed_model=embed_model)
    engine = index.as_query_engine(llm=llm, streaming=True, similarity_top_k=2)

    emit(f"Q: {question}")
    emit("A: ", end="")
    response = engine.query(question)
    assert isinstance(response, StreamingResponse)  # the engine was built with streaming=True
    answer = ""
    for token in response.response_gen:
        answer += token
        emit(token, end="")
    emit()
    emit("Sources:")
    for source in response.source_nodes:
        score = f"{source.score:.2f}" if source.score is not None else "n/a"
        emit(f"  - {source.metadata.get('file_name', source.node_id)} (similarity {score})")
    return answer
