"""The HTTP clients ``KlusterLLM`` and ``KlusterEmbedding`` are built with.

``with_guarded_clients(kwargs)`` sets ``http_client`` and ``async_http_client`` (LlamaIndex's
names) to the core's guarded clients (``core.transport``), configured from the
``deadline``, ``stream_idle_timeout`` and ``max_response_bytes`` arguments, unless the
caller brought their own.

Example::

    KlusterLLM(deadline=30.0)   # calls __init__ -> with_guarded_clients(kwargs)
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from kluster_integrations.core.transport import with_guarded_http_clients


def with_guarded_clients(kwargs: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """``kwargs`` with the guarded sync and async clients filled in where missing."""
    return with_guarded_http_clients(
        kwargs, async_client_name="async_http_client", timeout=kwargs.get("timeout")
    )
