"""The kluster.ai models this package knows, and a reader for the live list.

Figures are the paid-tier limits from kluster-ai/docs ``get-started/models.md`` and
``.snippets/text/get-started/rate-limit.md`` (July 2025). The Trial tier caps every model
at 32k context and 4k output. Ids the catalog does not know (fine-tuned ``ft:...``, dedicated
deployments, new models) are still valid: ``lookup_model`` returns ``None`` and callers fall
back to conservative defaults.

Example::

    >>> lookup_model("google/gemma-3-27b-it").context_window
    64000
    >>> lookup_model("ft:my-fine-tune") is None
    True

Reading the live list (``GET /v1/models?extended=true``) through the openai SDK::

    live = fetch_models(OpenAI(base_url=..., api_key=...))
    catalog = merge_catalog(KNOWN_MODELS, live)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

# Defined in core.errors; re-exported here, where they used to live.
from kluster_integrations.core.errors import UnknownModelWarning as UnknownModelWarning
from kluster_integrations.core.errors import WrongModelPurposeError as WrongModelPurposeError

if TYPE_CHECKING:
    from openai import OpenAI

CATALOG_DATE = "2025-07"

#: Used for ids the catalog does not know: small enough to be safe on every tier.
FALLBACK_CONTEXT_WINDOW = 32_000
FALLBACK_MAX_OUTPUT = 4_000

#: Fine-tuned models are addressed as ``ft:<base model>:<suffix>``.
FINE_TUNED_PREFIX = "ft:"


@dataclass(frozen=True)
class ModelInfo:
    """What is known about one model; capabilities are words such as ``"vision"``,
    ``"tools"`` (takes native tool definitions) and ``"reasoning"``.

    Tools: kluster.ai's model table of 2025-07-01 (Tools column); vision and reasoning: its
    model list (``tags``, ``reasoning_model`` of ``GET /v1/models?extended=true``)."""

    id: str
    context_window: int
    max_output_tokens: int
    capabilities: frozenset[str] = field(default_factory=frozenset)
    purpose: str = "chat"

    @property
    def is_chat(self) -> bool:
        return self.purpose != "embeddings"

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities


def _chat(model_id: str, context: int, output: int, *caps: str) -> ModelInfo:
    return ModelInfo(model_id, context, output, frozenset(caps))


KNOWN_MODELS: Mapping[str, ModelInfo] = MappingProxyType(
    {
        info.id: info
        for info in (
            _chat("deepseek-ai/DeepSeek-R1-0528", 163_840, 163_840, "reasoning"),
            _chat("deepseek-ai/DeepSeek-V3-0324", 163_840, 163_840, "tools"),
            _chat("google/gemma-3-27b-it", 64_000, 8_192, "vision"),
            _chat(
                "klusterai/Meta-Llama-3.1-8B-Instruct-Turbo",
                131_072,
                131_072,
                "fine-tunable",
                "tools",
            ),
            _chat(
                "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
                131_072,
                131_072,
                "fine-tunable",
                "tools",
            ),
            _chat(
                "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", 1_048_576, 1_048_576, "vision"
            ),
            _chat("meta-llama/Llama-4-Scout-17B-16E-Instruct", 131_072, 131_072, "vision"),
            _chat("mistralai/Magistral-Small-2506", 40_000, 40_000, "reasoning"),
            _chat("mistralai/Mistral-Nemo-Instruct-2407", 131_072, 131_072),
            _chat("mistralai/Mistral-Small-24B-Instruct-2501", 32_768, 32_768),
            _chat("Qwen/Qwen2.5-VL-7B-Instruct", 32_768, 32_768, "vision"),
            _chat("Qwen/Qwen3-235B-A22B-FP8", 40_960, 40_960, "reasoning", "tools"),
            ModelInfo("BAAI/bge-m3", 8_192, 0, frozenset({"embeddings"}), purpose="embeddings"),
            # Answers on the chat endpoint but judges answers for hallucinations; no limits
            # are published, so the conservative fallbacks apply.
            ModelInfo(
                "klusterai/verify-reliability",
                FALLBACK_CONTEXT_WINDOW,
                FALLBACK_MAX_OUTPUT,
                frozenset({"verification"}),
            ),
        )
    }
)


def unknown_model(model_id: str) -> ModelInfo:
    """What to assume about an id the catalog lacks (a fine-tune, a dedicated deployment)."""
    return ModelInfo(model_id, FALLBACK_CONTEXT_WINDOW, FALLBACK_MAX_OUTPUT)


def lookup_model(
    model_id: str, catalog: Mapping[str, ModelInfo] = KNOWN_MODELS
) -> ModelInfo | None:
    """The catalog entry for ``model_id``, or ``None`` when it is not known."""
    return catalog.get(model_id)


def check_model(
    model_id: str, *, purpose: Literal["chat", "embeddings"], stacklevel: int = 3
) -> ModelInfo | None:
    """The catalog entry for ``model_id``; ``None`` with an ``UnknownModelWarning`` for ids
    the catalog lacks (still valid: fine-tunes, dedicated deployments, new models);
    ``WrongModelPurposeError`` for a chat model used for embeddings or the reverse.

    >>> check_model("BAAI/bge-m3", purpose="embeddings").purpose
    'embeddings'
    """
    info = lookup_model(model_id)
    if info is None:
        limits = (
            f"a {FALLBACK_CONTEXT_WINDOW}-token context window and "
            f"{FALLBACK_MAX_OUTPUT} output tokens"
            if purpose == "chat"
            else "no known input limits"
        )
        warnings.warn(
            f"{model_id!r} is not in kluster_integrations' model catalog; assuming {limits}.",
            UnknownModelWarning,
            stacklevel=stacklevel,
        )
        return None
    if purpose == "chat" and not info.is_chat:
        raise WrongModelPurposeError(
            f"{model_id} is an embeddings model, not a chat model: use it for embeddings "
            "and pick a chat model here (see kluster_integrations.KNOWN_MODELS)."
        )
    if purpose == "embeddings" and info.is_chat:
        raise WrongModelPurposeError(
            f"{model_id} is a chat model, not an embeddings model: kluster.ai's embeddings "
            "model is BAAI/bge-m3."
        )
    return info


def model_from_listing(entry: Mapping[str, Any]) -> ModelInfo:
    """Build a ``ModelInfo`` from one entry of ``GET /v1/models?extended=true``.

    Plain listings carry only ``id``; the missing figures come from the known catalog, or
    from the fallbacks.
    """
    model_id = str(entry["id"])
    known = KNOWN_MODELS.get(model_id)
    caps = set(known.capabilities) if known else set()
    caps.update(str(tag) for tag in entry.get("tags") or ())
    if entry.get("tools_supported") in (True, "yes"):
        caps.add("tools")
    if entry.get("reasoning_model") in (True, "yes", "optional"):
        caps.add("reasoning")
    purpose = entry.get("model_purpose") or (known.purpose if known else "chat")
    if purpose == "embeddings":
        caps.add("embeddings")
    return ModelInfo(
        id=model_id,
        context_window=int(
            entry.get("context_length")
            or (known.context_window if known else FALLBACK_CONTEXT_WINDOW)
        ),
        max_output_tokens=int(
            entry.get("output_length")
            or (known.max_output_tokens if known else FALLBACK_MAX_OUTPUT)
        ),
        capabilities=frozenset(caps),
        purpose="embeddings" if purpose == "embeddings" else "chat",
    )


def fetch_models(client: OpenAI, *, extended: bool = True) -> list[ModelInfo]:
    """Read the live model list through the openai SDK (``GET /v1/models``)."""
    query = {"extended": "true"} if extended else None
    page = client.models.list(extra_query=query)
    return [model_from_listing(model.model_dump()) for model in page]


def merge_catalog(
    known: Mapping[str, ModelInfo], live: Iterable[ModelInfo]
) -> dict[str, ModelInfo]:
    """The known catalog updated by the live list; live figures win where both have one."""
    merged = dict(known)
    for info in live:
        if info.id in merged:
            old = merged[info.id]
            info = replace(info, capabilities=old.capabilities | info.capabilities)
        merged[info.id] = info
    return merged
