"""What a model object asks of its account's rate limit, checked, and the limits one model
gets from it.

Each of the four classes takes ``requests_per_minute=``, ``max_concurrent_requests=`` and
``tier=``; ``rate_limit_settings`` checks them (``InvalidRateLimitError`` names the option).
``model_limits`` then decides, field by field, the limits of one model: an explicit figure,
else the live list's (``GET /v1/models?extended=true``, once loaded), else the tier's,
else none.

Example::

    >>> settings = rate_limit_settings(max_concurrent_requests=5, tier="Trial")
    >>> settings
    RateLimitSettings(requests_per_minute=None, max_concurrent_requests=5, tier='trial')
    >>> model_limits(settings, live=None)
    ModelLimits(requests=30, window=60.0, concurrent=5)
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Any

from kluster_integrations.core.contract import RATE_LIMIT_WINDOW, TIER_LIMITS, TIERS
from kluster_integrations.core.errors import InvalidRateLimitError

#: The constructor options every class takes for its account's rate limit.
RATE_LIMIT_OPTION_NAMES = ("requests_per_minute", "max_concurrent_requests", "tier")


@dataclass(frozen=True)
class RateLimitSettings:
    """A model object's rate-limit options, checked; ``None`` leaves a field to the live
    list or the tier."""

    requests_per_minute: int | None = None
    max_concurrent_requests: int | None = None
    tier: str | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.requests_per_minute is None
            and self.max_concurrent_requests is None
            and self.tier is None
        )


@dataclass(frozen=True)
class ModelLimits:
    """The limits one model has on one account: at most ``requests`` request starts in any
    ``window`` seconds and ``concurrent`` requests at once; ``None``: no such limit."""

    requests: int | None = None
    window: float = RATE_LIMIT_WINDOW
    concurrent: int | None = None

    @property
    def is_off(self) -> bool:
        return self.requests is None and self.concurrent is None

    def describe(self) -> str:
        """``"30 requests per 60 s, 20 at once"`` (for error messages)."""
        parts = []
        if self.requests is not None:
            parts.append(f"{self.requests} requests per {self.window:g} s")
        if self.concurrent is not None:
            parts.append(f"{self.concurrent} at once")
        return ", ".join(parts) or "no limit"


def _count(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value <= 0:
        raise InvalidRateLimitError(
            name,
            value,
            "a whole number above 0, or None to take it from kluster.ai's live model list "
            "or the tier",
        )
    return int(value)


def _tier(value: Any) -> str | None:
    if value is None:
        return None
    tier = value.strip().lower() if isinstance(value, str) else None
    if tier not in TIER_LIMITS:
        raise InvalidRateLimitError(
            "tier", value, f"one of {', '.join(map(repr, TIERS))} (any case), or None for none"
        )
    return tier


def rate_limit_settings(
    requests_per_minute: Any = None, max_concurrent_requests: Any = None, tier: Any = None
) -> RateLimitSettings:
    """The options checked: whole numbers above 0, a tier kluster.ai has (any case);
    ``InvalidRateLimitError`` naming the option otherwise."""
    return RateLimitSettings(
        _count("requests_per_minute", requests_per_minute),
        _count("max_concurrent_requests", max_concurrent_requests),
        _tier(tier),
    )


def strictest(settings: list[RateLimitSettings]) -> RateLimitSettings:
    """What several objects on one account ask, together: the lowest figure of each
    option, the tier with the lowest limits."""

    def lowest(values: list[int | None]) -> int | None:
        given = [v for v in values if v is not None]
        return min(given) if given else None

    tiers = [s.tier for s in settings if s.tier is not None]
    return RateLimitSettings(
        lowest([s.requests_per_minute for s in settings]),
        lowest([s.max_concurrent_requests for s in settings]),
        min(tiers, key=TIERS.index) if tiers else None,
    )


def model_limits(settings: RateLimitSettings, live: ModelLimits | None) -> ModelLimits:
    """One model's limits: each field explicit, else live, else the tier's, else none."""
    tier = TIER_LIMITS[settings.tier] if settings.tier is not None else None
    requests: int | None
    if settings.requests_per_minute is not None:
        requests, window = settings.requests_per_minute, RATE_LIMIT_WINDOW
    elif live is not None and live.requests is not None:
        requests, window = live.requests, live.window
    else:
        requests, window = (tier.requests_per_minute if tier else None), RATE_LIMIT_WINDOW
    concurrent = settings.max_concurrent_requests
    if concurrent is None:
        live_concurrent = live.concurrent if live is not None else None
        concurrent = live_concurrent or (tier.concurrent_requests if tier else None)
    return ModelLimits(requests, window, concurrent)
