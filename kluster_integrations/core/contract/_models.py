"""The kluster.ai models known offline: ids, token limits and capabilities, dated and cited.

Figures are the paid-tier limits from kluster-ai/docs ``get-started/models.md`` and
``.snippets/text/get-started/rate-limit.md`` (July 2025, ``CATALOG_DATE``). The Trial tier
caps every model at 32k context and 4k output. ``core.models`` merges this table with the
live list.

Example::

    >>> KNOWN_MODELS["google/gemma-3-27b-it"].context_window
    64000
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from kluster_integrations.core.contract._verify import (
    VERIFY_CAPABILITY,
    VERIFY_CONTEXT_WINDOW,
    VERIFY_MODEL,
)

CATALOG_DATE = "2025-07"

#: Used for ids the catalog does not know: small enough to be safe on every tier.
FALLBACK_CONTEXT_WINDOW = 32_000
FALLBACK_MAX_OUTPUT = 4_000

#: Fine-tuned models are addressed as ``ft:<base model>:<suffix>``.
FINE_TUNED_PREFIX = "ft:"


@dataclass(frozen=True)
class ModelLimits:
    """An account's limits for one model, as the extended model list gives them
    (``limits`` in kluster's OpenAPI schema of June 2025); ``None`` where not given. No
    per-model figures are published, so the built-in catalog has none."""

    concurrent_requests: int | None = None
    request_limit: int | None = None
    request_limit_time_unit: str | None = None
    max_async_queue_size: int | None = None


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
    #: The account's limits for the model, from the live list (``None`` offline).
    limits: ModelLimits | None = None

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
            # Answers on the chat endpoint but judges answers for hallucinations (Verify,
            # core.contract._verify); no output limit is published: the fallback applies.
            ModelInfo(
                VERIFY_MODEL,
                VERIFY_CONTEXT_WINDOW,
                FALLBACK_MAX_OUTPUT,
                frozenset({VERIFY_CAPABILITY}),
            ),
        )
    }
)


def unknown_model(model_id: str) -> ModelInfo:
    """What to assume about an id the catalog lacks (a fine-tune, a dedicated deployment)."""
    return ModelInfo(model_id, FALLBACK_CONTEXT_WINDOW, FALLBACK_MAX_OUTPUT)
