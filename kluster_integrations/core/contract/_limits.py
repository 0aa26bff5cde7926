"""kluster.ai's account limits as data: requests per minute, concurrent requests and
requests per batch for each tier, and how the extended model list states them.

Tiers: kluster-ai/docs ``.snippets/text/get-started/rate-limit.md`` (July 2025,
``LIMITS_DATE``; the limits hold per account and model). Over a limit the API answers
HTTP 429, with ``Retry-After`` when the server sends one. ``GET /v1/models?extended=true``
states each model's limits for the calling account under ``limits``
(``concurrent_requests``, ``request_limit`` per ``request_limit_time_unit``,
``max_async_queue_size``; kluster's OpenAPI schema of June 2025, a copy in the public
repository papermoonio/kluster-mkdocs, ``spec/kluster_openapi_fixed.json``); the tier
table is the offline default.

Example::

    >>> TIER_LIMITS["trial"]
    TierLimits(requests_per_minute=30, concurrent_requests=20, max_batch_requests=999)
    >>> TIER_LIMITS["enterprise"].requests_per_minute is None     # unlimited
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

LIMITS_SOURCE = "kluster-ai/docs .snippets/text/get-started/rate-limit.md"
LIMITS_DATE = "2025-07"

#: The seconds a "requests per minute" limit counts over.
RATE_LIMIT_WINDOW = 60.0


@dataclass(frozen=True)
class TierLimits:
    """One tier's limits per account and model; ``None`` means unlimited."""

    requests_per_minute: int | None
    concurrent_requests: int
    max_batch_requests: int | None


#: Trial: "fewer than 1,000 requests per batch", so 999.
TIER_LIMITS: Mapping[str, TierLimits] = MappingProxyType(
    {
        "trial": TierLimits(30, 20, 999),
        "core": TierLimits(600, 100, 100_000),
        "scale": TierLimits(1_200, 100, 500_000),
        "enterprise": TierLimits(None, 100, None),
    }
)
TIERS: tuple[str, ...] = tuple(TIER_LIMITS)

#: Concurrent requests per account and model on the paid tiers: the connection pools' size.
CONCURRENT_REQUEST_LIMIT = TIER_LIMITS["core"].concurrent_requests
BATCH_TRIAL_MAX_REQUESTS = TIER_LIMITS["trial"].max_batch_requests

#: The units ``limits.request_limit_time_unit`` may name, in seconds (the schema's example
#: is "minute"; a unit outside this table makes the listed limits unreadable).
REQUEST_LIMIT_TIME_UNITS: Mapping[str, float] = MappingProxyType(
    {"second": 1.0, "minute": RATE_LIMIT_WINDOW, "hour": 3_600.0, "day": 86_400.0}
)
