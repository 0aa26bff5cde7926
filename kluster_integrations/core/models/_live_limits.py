"""The account limits the extended model list states, as the rate limiter takes them.

``refresh_capabilities`` hands them to ``core.rate_limits`` for the account that read the
list (its key and server); ``reset_catalog`` forgets them.

Example::

    >>> from kluster_integrations.core.models._listing import listed_model
    >>> entry = listed_model({"id": "m", "limits": {"request_limit": 30,
    ...     "request_limit_time_unit": "minute", "concurrent_requests": 20}})
    >>> live_limits([entry])
    {'m': ModelLimits(requests=30, window=60.0, concurrent=20)}
"""

from __future__ import annotations

from collections.abc import Iterable

from kluster_integrations.core.contract import RATE_LIMIT_WINDOW, REQUEST_LIMIT_TIME_UNITS
from kluster_integrations.core.models._listing import ListedModel
from kluster_integrations.core.rate_limits import ModelLimits


def live_limits(listed: Iterable[ListedModel]) -> dict[str, ModelLimits]:
    """Each listed model's limits (models listed without any are left out); a request
    limit without its unit counts per minute."""
    found = {}
    for model in listed:
        limits = model.limits
        if limits is None or (limits.request_limit is None and limits.concurrent_requests is None):
            continue
        unit = limits.request_limit_time_unit
        window = REQUEST_LIMIT_TIME_UNITS[unit] if unit is not None else RATE_LIMIT_WINDOW
        found[model.id] = ModelLimits(limits.request_limit, window, limits.concurrent_requests)
    return found
