"""``KlusterEmbedding``: LlamaIndex's OpenAI embeddings pointed at kluster.ai's BAAI/bge-m3.

Example:
    ```python
    from llama_index.core import Settings, VectorStoreIndex
    from kluster_integrations.llama_index import KlusterEmbedding

    Settings.embed_model = KlusterEmbedding()          # BAAI/bge-m3, 1024 dimensions
    index = VectorStoreIndex.from_documents(documents)
    ```

Batches hold at most ``embed_batch_size`` texts (never more than kluster.ai's per-call
limit). ``dimensions`` raises ``UnsupportedParameterError``: kluster.ai's vectors have a
fixed size (see ``core.request``). Each request is priced per input token and dispatched as
a ``KlusterCostEvent`` (docs/cost.md).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from llama_index.core.bridge.pydantic import Field
from llama_index.embeddings.openai import OpenAIEmbedding, OpenAIEmbeddingModelType

from kluster_integrations.core.answer import (
    WithCheckedEmbeddings,
    embedding_input_problems,
    readable_response,
)
from kluster_integrations.core.contract import DEFAULT_EMBEDDING_MODEL
from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.core.models import check_model
from kluster_integrations.core.request import check_batch_size, without_refused_parameters
from kluster_integrations.core.transport import (
    connection_defaults,
    resolve_api_key,
    resolve_base_url,
)
from kluster_integrations.llama_index._connection import with_guarded_clients
from kluster_integrations.llama_index._cost import announce_embeddings
from kluster_integrations.llama_index._rate_limits import GuardFields, RateLimitFields

__all__ = ["KlusterEmbedding"]

DEFAULT_EMBED_BATCH_SIZE = 100


class KlusterEmbedding(OpenAIEmbedding, RateLimitFields, GuardFields):
    """kluster.ai embeddings (`BAAI/bge-m3`) for LlamaIndex: `OpenAIEmbedding` set up for
    kluster.ai.

    Each batch holds at most `embed_batch_size` texts, never more than kluster.ai's 2048
    per request; vectors have 1024 floats. `dimensions` raises `UnsupportedParameterError`:
    kluster.ai's vectors have a fixed size.

    Args:
        model (str): kluster.ai embeddings model id. Defaults to `"BAAI/bge-m3"`.
        embed_batch_size (int): Texts per request, 1 to 2048 (`EMBEDDING_MAX_INPUTS`).
            Defaults to 100.
        api_key (str | None): kluster.ai API key. Defaults to `$KLUSTER_API_KEY`;
            `MissingAPIKeyError` when neither is set. Never shown or serialized.
        api_base (str | None): Defaults to `$KLUSTER_BASE_URL`, else
            `https://api.kluster.ai/v1`.
        additional_kwargs (dict | None): Extra request parameters; those kluster.ai refuses
            raise `UnsupportedParameterError`.
        max_retries (int): Retries by the openai SDK (default 2; LlamaIndex's own retry
            layer is not used).
        timeout (float): Read timeout per attempt, in seconds (default 300).
        deadline (float | None): Seconds a whole call may take, retries included (default
            600).
        requests_per_minute, max_concurrent_requests, tier: the account's rate limits,
            shared by every object on the same key (docs/rate-limits.md).

    Examples:
        `pip install "kluster-integrations[llama-index]"`

        ```python
        from llama_index.core import Document, Settings, VectorStoreIndex

        from kluster_integrations.llama_index import KlusterEmbedding

        embed_model = KlusterEmbedding()
        vector = embed_model.get_text_embedding("The meaning of life is 42")
        print(len(vector))  # 1024

        Settings.embed_model = embed_model
        index = VectorStoreIndex.from_documents([Document(text="kluster.ai serves bge-m3.")])
        index.as_retriever().retrieve("Which embeddings model?")
        ```
    """

    api_key: str = Field(
        default="",
        exclude=True,
        repr=False,
        description="The kluster.ai API key (never serialized).",
    )

    def __init__(
        self,
        model: str = DEFAULT_EMBEDDING_MODEL,
        embed_batch_size: int = DEFAULT_EMBED_BATCH_SIZE,
        api_key: str | None = None,
        api_base: str | None = None,
        additional_kwargs: dict[str, Any] | None = None,
        dimensions: int | None = None,
        **kwargs: Any,
    ) -> None:
        check_batch_size(embed_batch_size, "embed_batch_size")
        model = kwargs.pop("model_name", None) or model  # to_dict() output names it model_name
        check_model(model, purpose="embeddings")
        api_key = resolve_api_key(api_key)
        api_base = resolve_base_url(api_base, argument="api_base")
        with_guarded_clients(connection_defaults(kwargs), api_key, api_base)
        request_kwargs = dict(additional_kwargs or {})
        if dimensions is not None:
            request_kwargs["dimensions"] = dimensions
        super().__init__(
            # OpenAIEmbedding accepts only OpenAI names in `model`; `model_name` is what it
            # sends, so a valid placeholder goes in `model`.
            model=OpenAIEmbeddingModelType.TEXT_EMBED_3_SMALL,
            model_name=model,
            embed_batch_size=embed_batch_size,
            api_key=api_key,
            api_base=api_base,
            additional_kwargs=without_refused_parameters(request_kwargs),
            **kwargs,
        )

    @classmethod
    def class_name(cls) -> str:
        return "KlusterEmbedding"

    def _get_client(self) -> Any:
        return WithCheckedEmbeddings(super()._get_client(), announce_embeddings)

    def _get_aclient(self) -> Any:
        return WithCheckedEmbeddings(super()._get_aclient(), announce_embeddings)

    # LlamaIndex edits each text (str.replace) before the client sees it: check first.
    def _get_text_embedding(self, text: str) -> list[float]:
        return super()._get_text_embedding(self._sendable([text])[0])

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return await super()._aget_text_embedding(self._sendable([text])[0])

    def _get_query_embedding(self, query: str) -> list[float]:
        return super()._get_query_embedding(self._sendable([query])[0])

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return await super()._aget_query_embedding(self._sendable([query])[0])

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return super()._get_text_embeddings(self._sendable(texts))

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return await super()._aget_text_embeddings(self._sendable(texts))

    def _sendable(self, texts: list[str]) -> list[str]:
        problems = embedding_input_problems(self.model_name, list(texts))
        if problems:
            raise InvalidRequestError(problems)
        return texts

    def _create_retry_decorator(self) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        # OpenAIEmbedding retries (tenacity) on top of the openai SDK's own max_retries, so a
        # failure cost (1 + n) * n requests; only the SDK retries here.
        return _readable


def _readable(call: Callable[..., Any]) -> Callable[..., Any]:
    """``call`` raising ``MalformedResponseError`` instead of a raw JSON decoding error."""
    if inspect.iscoroutinefunction(call):

        @functools.wraps(call)
        async def read_async(*args: Any, **kwargs: Any) -> Any:
            with readable_response():
                return await call(*args, **kwargs)

        return read_async

    @functools.wraps(call)
    def read(*args: Any, **kwargs: Any) -> Any:
        with readable_response():
            return call(*args, **kwargs)

    return read
