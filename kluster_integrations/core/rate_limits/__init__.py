"""Rate limits that know the account: one limiter per API key and server in the process,
shared by every model object (chat and embeddings, LangChain and LlamaIndex), thread and
event loop, applied to each HTTP request (``core.transport``), the SDK's retries and the
Batch API's own calls included.

Per model, it bounds the requests at once and the request starts in any window of the
limit's length (a minute for ``requests_per_minute``), from: the options of the model
objects (``requests_per_minute=``, ``max_concurrent_requests=``, the strictest figure of
the objects alive on the account), else the live model list once loaded
(``core.models.refresh_capabilities``), else ``tier=`` (``core.contract.TIER_LIMITS``),
else nothing. A 429 pauses the model's budget for every caller on the account, for its
``Retry-After``. See docs/rate-limits.md.

Example::

    >>> rate_limit_settings(requests_per_minute=600, max_concurrent_requests=5)
    RateLimitSettings(requests_per_minute=600, max_concurrent_requests=5, tier=None)
    >>> model_limits(rate_limit_settings(tier="core"), live=None).describe()
    '600 requests per 60 s, 100 at once'
    >>> rate_limit_settings(requests_per_minute=0)
    Traceback (most recent call last):
    ...
    kluster_integrations.core.errors.InvalidRateLimitError: requests_per_minute=0 is not ...
"""

from kluster_integrations.core.errors import InvalidRateLimitError, RateLimitWaitError
from kluster_integrations.core.rate_limits._accounts import (
    Account,
    Declaration,
    account_of,
    accounts_generation,
    forget_live_limits,
    limits_in_use,
    reset_rate_limits,
    use_live_limits,
)
from kluster_integrations.core.rate_limits._budget import (
    ARRIVAL_MARGIN,
    Budget,
    Slot,
)
from kluster_integrations.core.rate_limits._settings import (
    RATE_LIMIT_OPTION_NAMES,
    ModelLimits,
    RateLimitSettings,
    model_limits,
    rate_limit_settings,
    strictest,
)

__all__ = [
    "ARRIVAL_MARGIN",
    "RATE_LIMIT_OPTION_NAMES",
    "Account",
    "Budget",
    "Declaration",
    "InvalidRateLimitError",
    "ModelLimits",
    "RateLimitSettings",
    "RateLimitWaitError",
    "Slot",
    "account_of",
    "accounts_generation",
    "forget_live_limits",
    "limits_in_use",
    "model_limits",
    "rate_limit_settings",
    "reset_rate_limits",
    "strictest",
    "use_live_limits",
]
