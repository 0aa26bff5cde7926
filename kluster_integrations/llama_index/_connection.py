"""The HTTP clients ``KlusterLLM`` and ``KlusterEmbedding`` are built with.

``with_guarded_clients(kwargs)`` sets ``http_client`` and ``async_http_client`` (LlamaIndex's
names) to the core's guarded clients (``core.transport``), configured from the
``deadline``, ``stream_idle_timeout`` and ``max_response_bytes`` arguments and with the
account's rate limit (``requests_per_minute``, ``max_concurrent_requests``, ``tier``),
unless the caller brought their own.

Example::

    KlusterLLM(deadline=30.0)   # calls __init__ -> with_guarded_clients(kwargs, key, url)
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from kluster_integrations.core.transport import with_guarded_http_clients


def with_guarded_clients(
    kwargs: MutableMapping[str, Any], api_key: str, api_base: str
) -> MutableMapping[str, Any]:
    """``kwargs`` with the guarded sync and async clients filled in where missing, and the
    rate-limit options declared to the account of ``api_key`` on ``api_base``."""
    return with_guarded_http_clients(
        kwargs,
        async_client_name="async_http_client",
        timeout=kwargs.get("timeout"),
        account=(api_key, api_base),
    )
