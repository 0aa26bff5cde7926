"""Check a model id against the core catalog when an adapter object is built.

Example::

    info = check_model("klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", purpose="chat")
    info.context_window       # 131072
    check_model("ft:my-model", purpose="chat")   # None, with an UnknownModelWarning
"""

from __future__ import annotations

import warnings
from typing import Literal

from kluster_integrations.core.catalog import (
    FALLBACK_CONTEXT_WINDOW,
    FALLBACK_MAX_OUTPUT,
    ModelInfo,
    lookup_model,
)


class UnknownModelWarning(UserWarning):
    """The model id is not in the catalog; conservative limits are used."""


def check_model(model_id: str, *, purpose: Literal["chat", "embeddings"],
                stacklevel: int = 3) -> ModelInfo | None:
    """The catalog entry, ``None`` (with a warning) for unknown ids; raises on wrong purpose.

    Unknown ids stay valid: fine-tunes, dedicated deployments and new models are not in
    the catalog.
    """
    info = lookup_model(model_id)
    if info is None:
        limits = (f"a {FALLBACK_CONTEXT_WINDOW}-token context window and "
                  f"{FALLBACK_MAX_OUTPUT} output tokens" if purpose == "chat"
                  else "no known input limits")
        warnings.warn(
            f"{model_id!r} is not in kluster_integrations' model catalog; assuming {limits}. "
            "Pass context_window=... if you know better.",
            UnknownModelWarning,
            stacklevel=stacklevel,
        )
        return None
    if purpose == "chat" and not info.is_chat:
        raise ValueError(f"{model_id} is an embeddings model, not a chat model: use it "
                         "with KlusterEmbedding, and pick a chat model for KlusterLLM.")
    if purpose == "embeddings" and info.is_chat:
        raise ValueError(f"{model_id} is a chat model, not an embeddings model: use it with "
                         "KlusterLLM; KlusterEmbedding defaults to BAAI/bge-m3.")
    return info
