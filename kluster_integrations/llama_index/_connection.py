"""The HTTP clients ``KlusterLLM`` and ``KlusterEmbedding`` are built with.

``with_guarded_clients(kwargs)`` sets ``http_client`` and ``async_http_client`` to the
core's guarded clients (``core.connection``), configured from the ``deadline``,
``stream_idle_timeout`` and ``max_response_bytes`` arguments, unless the caller brought
their own.

Example::

    KlusterLLM(deadline=30.0)   # calls __init__ -> with_guarded_clients(kwargs)
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from kluster_integrations.core.connection import guard_options, guarded_http_clients


def with_guarded_clients(kwargs: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """``kwargs`` with the guarded sync and async clients filled in where missing."""
    if kwargs.get("http_client") is None or kwargs.get("async_http_client") is None:
        sync_client, async_client = guarded_http_clients(guard_options(
            deadline=kwargs.get("deadline"),
            stream_idle_timeout=kwargs.get("stream_idle_timeout"),
            max_response_bytes=kwargs.get("max_response_bytes"), timeout=kwargs.get("timeout")))
        if kwargs.get("http_client") is None:
            kwargs["http_client"] = sync_client
        if kwargs.get("async_http_client") is None:
            kwargs["async_http_client"] = async_client
    return kwargs
