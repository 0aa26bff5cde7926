"""``KlusterEmbeddings``: LangChain's ``OpenAIEmbeddings`` set up for kluster.ai.

Defaults to ``BAAI/bge-m3`` and the kluster.ai endpoint (``KLUSTER_API_KEY`` /
``KLUSTER_BASE_URL``). ``OpenAIEmbeddings`` would, by default, split texts with tiktoken and
send OpenAI token ids, which mean nothing to bge-m3 (it tokenizes text itself): here texts
go as strings, in batches of at most ``core.contract.EMBEDDING_MAX_INPUTS``. ``dimensions``
is refused with ``UnsupportedParameterError`` before anything is sent.

Example:
    ```python
    from kluster_integrations.langchain import KlusterEmbeddings

    embeddings = KlusterEmbeddings()
    vectors = embeddings.embed_documents(["kluster.ai", "LangChain"])   # 1024 floats each
    ```
"""

from __future__ import annotations

from typing import Any

from langchain_openai import OpenAIEmbeddings
from pydantic import Field

from kluster_integrations.core.answer import CheckedEmbeddings, readable_response
from kluster_integrations.core.contract import (
    API_KEY_ENV,
    DEFAULT_EMBEDDING_MODEL,
    EMBEDDING_MAX_INPUT_TOKENS,
    EMBEDDING_MAX_INPUTS,
)
from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.core.models import check_model
from kluster_integrations.core.request import check_batch_size, check_embedding_parameters
from kluster_integrations.langchain._connection import with_kluster_connection
from kluster_integrations.langchain._rate_limits import RateLimitFields

__all__ = ["KlusterEmbeddings"]


class KlusterEmbeddings(OpenAIEmbeddings, RateLimitFields):
    """kluster.ai embedding model integration (`BAAI/bge-m3`) for LangChain.

    Texts go as strings (never OpenAI token ids, which mean nothing to bge-m3), in batches
    of at most 2048 (`core.contract.EMBEDDING_MAX_INPUTS`); vectors come back in input
    order, 1024 floats each. `dimensions` raises `UnsupportedParameterError` before anything
    is sent: kluster.ai's vectors have a fixed size.

    Setup:
        Install `kluster-integrations` with its LangChain extra and set the environment
        variable `KLUSTER_API_KEY` (`KLUSTER_BASE_URL` is optional).

        ```bash
        pip install -U "kluster-integrations[langchain]"
        export KLUSTER_API_KEY="your-api-key"
        ```

    Key init args — embedding params:
        model:
            kluster.ai embeddings model id; defaults to `"BAAI/bge-m3"`.
        chunk_size:
            Texts per request, 1 to 2048 (the default).

    Key init args — client params:
        api_key:
            kluster.ai API key. If not passed in will be read from env var
            `KLUSTER_API_KEY`; `MissingAPIKeyError` when neither is set.
        base_url:
            Defaults to env var `KLUSTER_BASE_URL`, else `https://api.kluster.ai/v1`.
        max_retries:
            Retries by the openai SDK (default 2).
        timeout:
            Read timeout per attempt, in seconds (default 300).
        deadline:
            Seconds a whole call may take, retries included (default 600).
        requests_per_minute, max_concurrent_requests, tier:
            The account's rate limits, shared by every object on the same key
            (docs/rate-limits.md).

    See full list of supported init args and their descriptions in the params section.

    Instantiate:
        ```python
        from kluster_integrations.langchain import KlusterEmbeddings

        embed = KlusterEmbeddings(
            model="BAAI/bge-m3",
            # api_key="...",
            # other params...
        )
        ```

    Embed single text:
        ```python
        input_text = "The meaning of life is 42"
        vector = embed.embed_query(input_text)
        print(vector[:3])
        ```

    Embed multiple texts:
        ```python
        vectors = embed.embed_documents(["hello", "goodbye"])
        print(len(vectors), len(vectors[0]))  # 2 1024
        ```

    Async:
        ```python
        vector = await embed.aembed_query(input_text)
        print(vector[:3])

        # multiple:
        await embed.aembed_documents(["hello", "goodbye"])
        ```

    In a vector store:
        ```python
        from langchain_core.vectorstores import InMemoryVectorStore

        store = InMemoryVectorStore.from_texts(["kluster.ai", "LangChain"], embed)
        store.similarity_search("kluster", k=1)
        ```
    """

    model: str = DEFAULT_EMBEDDING_MODEL
    chunk_size: int = EMBEDDING_MAX_INPUTS
    """Texts per request; kluster.ai takes at most ``EMBEDDING_MAX_INPUTS``."""
    check_embedding_ctx_length: bool = False
    """Off: splitting with tiktoken would send OpenAI token ids instead of text."""
    tiktoken_enabled: bool = False
    http_client: Any | None = Field(default=None, exclude=True)
    """Sync httpx client (default: the package's guarded client); not serialized."""
    http_async_client: Any | None = Field(default=None, exclude=True)
    """Async httpx client (default: the guarded per-event-loop client); not serialized."""
    deadline: float | None = None
    """Seconds the whole call may take, retries included (``None``: 600 for non-streamed
    calls, no limit for streams); see ``core.transport``."""
    stream_idle_timeout: float | None = None
    """Seconds a stream may go without a data event (``None``: ``timeout``)."""
    max_response_bytes: int | None = None
    """Cap on an answer's decoded size (``None``: 64 MB)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs = with_kluster_connection(kwargs)
        check_model(
            kwargs.get("model", DEFAULT_EMBEDDING_MODEL), purpose="embeddings", stacklevel=3
        )
        check_embedding_parameters({**kwargs.get("model_kwargs", {}), **kwargs})
        check_batch_size(kwargs.get("chunk_size"), "chunk_size")
        if kwargs.get("check_embedding_ctx_length") and kwargs.get("tiktoken_enabled", False):
            raise InvalidRequestError(
                [
                    "check_embedding_ctx_length=True with tiktoken_enabled=True would send OpenAI "
                    "token ids, which kluster.ai refuses; leave both off (texts up to "
                    f"{EMBEDDING_MAX_INPUT_TOKENS:,} tokens are accepted as they are)."
                ]
            )
        super().__init__(**kwargs)
        # Inputs checked before sending, vectors ordered and matched to them after.
        self.client = CheckedEmbeddings(self.client)
        self.async_client = CheckedEmbeddings(self.async_client)

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"openai_api_key": API_KEY_ENV}

    def embed_documents(
        self, texts: list[str], chunk_size: int | None = None, **kwargs: Any
    ) -> list[list[float]]:
        check_embedding_parameters(kwargs)
        check_batch_size(chunk_size, "chunk_size")
        with readable_response():
            return super().embed_documents(texts, chunk_size=chunk_size, **kwargs)

    async def aembed_documents(
        self, texts: list[str], chunk_size: int | None = None, **kwargs: Any
    ) -> list[list[float]]:
        check_embedding_parameters(kwargs)
        check_batch_size(chunk_size, "chunk_size")
        with readable_response():
            return await super().aembed_documents(texts, chunk_size=chunk_size, **kwargs)
