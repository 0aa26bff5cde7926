"""The framework-free core: the kluster.ai contract as data, and what enforces it.

Sub-packages, one job each (their modules are private; each ``__init__`` says what it
offers):

- ``contract``: kluster.ai facts as data, dated and cited (parameters, models and limits,
  the Batch API's rules, the client defaults);
- ``models``: one model lookup, the built-in tables (models, prices) merged with the live
  list (``refresh_catalog``) and the prices a user set;
- ``cost``: what answers cost in USD, per answer, across a run (``track_cost``) and per
  Batch API job;
- ``request``: the request path (sanitize, rewrite the history, validate) before sending;
- ``answer``: the answer path (read, check, make whole) after;
- ``transport``: key and URL, HTTP clients and their guards, pools, masking the key;
- ``rate_limits``: one limiter per account, from the options, the live list or the tier;
- ``tools``: native or prompted tool calling and structured output through the prompt;
- ``reasoning``: ``<think>`` blocks apart from the answer;
- ``batch_api``: the Batch API engine and its command line (``kluster-batch``);
- ``verify``: kluster.ai Verify, the hallucination check (``verify_reliability``).

``errors`` holds every typed error. Nothing here imports LangChain or LlamaIndex; this
module re-exports what users reach for.
"""

from kluster_integrations.core import errors
from kluster_integrations.core.batch_api import BatchStatus, KlusterBatch
from kluster_integrations.core.contract import (
    DEFAULT_BASE_URL,
    KNOWN_MODELS,
    KNOWN_PRICES,
    ModelInfo,
    ModelPrices,
    TokenPrice,
)
from kluster_integrations.core.cost import BatchCost, BatchEstimate, CostTracker, track_cost
from kluster_integrations.core.errors import *  # noqa: F403 - every typed error (errors.__all__)
from kluster_integrations.core.models import (
    lookup_model,
    price_of,
    refresh_catalog,
    reset_prices,
    set_price,
)
from kluster_integrations.core.request import Change, SanitizedRequest, sanitize_request
from kluster_integrations.core.verify import (
    SearchResult,
    VerifyClient,
    VerifyResult,
    VerifyUsage,
    averify_reliability,
    verify_reliability,
)

__all__ = [
    *errors.__all__,
    "DEFAULT_BASE_URL",
    "KNOWN_MODELS",
    "KNOWN_PRICES",
    "BatchCost",
    "BatchEstimate",
    "BatchStatus",
    "Change",
    "CostTracker",
    "KlusterBatch",
    "ModelInfo",
    "SanitizedRequest",
    "SearchResult",
    "VerifyClient",
    "VerifyResult",
    "VerifyUsage",
    "averify_reliability",
    "ModelPrices",
    "TokenPrice",
    "lookup_model",
    "price_of",
    "refresh_catalog",
    "reset_prices",
    "sanitize_request",
    "verify_reliability",
    "set_price",
    "track_cost",
]
