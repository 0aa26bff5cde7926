"""The rate-limit options of ``ChatKluster`` and ``KlusterEmbeddings``, as fields.

They are checked and put to work by ``_connection`` (``core.transport``, then
``core.rate_limits``): the account's limiter bounds each HTTP request, retries included.
LangChain's own ``rate_limiter=`` still applies on top, per model object and per call.

Example::

    ChatKluster(tier="trial")                       # 30 requests/min, 20 at once per model
    ChatKluster(requests_per_minute=600, max_concurrent_requests=5)
"""

from __future__ import annotations

from pydantic import BaseModel


class RateLimitFields(BaseModel):
    """Mixed into the LangChain classes (after the framework's class)."""

    requests_per_minute: int | None = None
    """Request starts per minute and model for the whole account (API key and server),
    retries included (``None``: the live model list's limit, else the tier's, else none)."""
    max_concurrent_requests: int | None = None
    """Requests at once per model for the whole account (``None``: as above)."""
    tier: str | None = None
    """The account's kluster.ai tier (``core.contract.TIERS``), whose published limits
    apply when nothing more precise is known (``None``: no tier limits)."""
