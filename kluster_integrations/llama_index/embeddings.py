"""``KlusterEmbedding``: LlamaIndex's OpenAI embeddings pointed at kluster.ai's BAAI/bge-m3.

Example::

    from llama_index.core import Settings, VectorStoreIndex
    from kluster_integrations.llama_index import KlusterEmbedding

    Settings.embed_model = KlusterEmbedding()          # BAAI/bge-m3, 1024 dimensions
    index = VectorStoreIndex.from_documents(documents)

Batches hold at most ``embed_batch_size`` texts (never more than kluster.ai's per-call
limit). Parameters kluster.ai's embeddings endpoint refuses (``dimensions``) are dropped
with a warning, or raise ``UnsupportedParameterError`` with ``strict_parameters=True``.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

from llama_index.core.bridge.pydantic import Field
from llama_index.embeddings.openai import OpenAIEmbedding, OpenAIEmbeddingModelType

from kluster_integrations.core.config import (
    DEFAULT_EMBEDDING_MODEL,
    resolve_api_key,
    resolve_base_url,
)
from kluster_integrations.core.contract import (
    EMBEDDING_MAX_INPUTS,
    UNSUPPORTED_EMBEDDING_PARAMETERS,
)
from kluster_integrations.core.errors import UnsupportedParameterError
from kluster_integrations.core.responses import readable_response
from kluster_integrations.core.sanitizer import UnsupportedParameterWarning
from kluster_integrations.llama_index._models import check_model

DEFAULT_EMBED_BATCH_SIZE = 100


class KlusterEmbedding(OpenAIEmbedding):
    """kluster.ai embeddings for LlamaIndex.

    Args:
        model: defaults to ``BAAI/bge-m3``.
        api_key: defaults to ``$KLUSTER_API_KEY``; ``MissingAPIKeyError`` when neither is set.
        api_base: defaults to ``$KLUSTER_BASE_URL``, else ``https://api.kluster.ai/v1``.
        embed_batch_size: texts per request, 1 to 2048.
        strict_parameters: raise instead of warn for parameters kluster.ai refuses.
    """

    api_key: str = Field(default="", exclude=True, repr=False,
                         description="The kluster.ai API key (never serialized).")
    strict_parameters: bool = Field(
        default=False,
        description="Raise UnsupportedParameterError instead of dropping a parameter you set "
                    "that kluster.ai refuses.")

    def __init__(
        self,
        model: str = DEFAULT_EMBEDDING_MODEL,
        embed_batch_size: int = DEFAULT_EMBED_BATCH_SIZE,
        api_key: str | None = None,
        api_base: str | None = None,
        additional_kwargs: dict[str, Any] | None = None,
        dimensions: int | None = None,
        strict_parameters: bool = False,
        **kwargs: Any,
    ) -> None:
        if not 1 <= embed_batch_size <= EMBEDDING_MAX_INPUTS:
            raise ValueError(f"embed_batch_size must be 1 to {EMBEDDING_MAX_INPUTS} (kluster.ai's "
                             f"limit of inputs per request), not {embed_batch_size}.")
        model = kwargs.pop("model_name", None) or model  # to_dict() output names it model_name
        check_model(model, purpose="embeddings")
        request_kwargs = dict(additional_kwargs or {})
        if dimensions is not None:
            request_kwargs["dimensions"] = dimensions
        super().__init__(
            # OpenAIEmbedding accepts only OpenAI names in `model`; `model_name` is what it
            # sends, so a valid placeholder goes in `model`.
            model=OpenAIEmbeddingModelType.TEXT_EMBED_3_SMALL,
            model_name=model,
            embed_batch_size=embed_batch_size,
            api_key=resolve_api_key(api_key),
            api_base=resolve_base_url(api_base),
            additional_kwargs=_accepted(request_kwargs, strict=strict_parameters),
            strict_parameters=strict_parameters,
            **kwargs,
        )

    @classmethod
    def class_name(cls) -> str:
        return "KlusterEmbedding"

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


def _accepted(request_kwargs: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    """``request_kwargs`` without what kluster.ai's embeddings endpoint refuses."""
    refused = {name: f"{rule.reason} {rule.fix}"
               for name, rule in UNSUPPORTED_EMBEDDING_PARAMETERS.items()
               if request_kwargs.get(name) not in rule.neutral}
    if refused and strict:
        raise UnsupportedParameterError(refused)
    for name, fix in refused.items():
        warnings.warn(f"kluster.ai does not accept `{name}`; it will not be sent. {fix}",
                      UnsupportedParameterWarning, stacklevel=3)
    return {k: v for k, v in request_kwargs.items() if k not in UNSUPPORTED_EMBEDDING_PARAMETERS}
