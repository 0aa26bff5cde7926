"""One place for how every adapter class connects: defaults, options, HTTP clients.

``ChatKluster``, ``KlusterEmbeddings``, ``KlusterLLM`` and ``KlusterEmbedding`` all call
``connection_defaults`` for the retry and timeout defaults and ``with_guarded_http_clients``
for their sync and async httpx clients. The clients carry the answer guards of
``core.transport`` (``deadline``, ``stream_idle_timeout``, ``max_response_bytes``), the
account's rate limit (``requests_per_minute``, ``max_concurrent_requests``, ``tier``; see
``core.rate_limits``) and, for async, one pool per event loop (``core.transport``), sized
to kluster.ai's concurrency limit.

Worst case with the defaults (``timeout=300``, ``max_retries=2``, ``deadline`` unset): a
non-streamed call ends within 600 s (``DEFAULT_DEADLINE``) plus the SDK's back-off between
attempts (under 2 s), plus any wait for the account's rate limit; a stream ends within
300 s of its last data event.

Example::

    kwargs = connection_defaults({"model": "m", "deadline": 30.0})  # max_retries=2, timeout=300.0
    with_guarded_http_clients(kwargs, async_client_name="async_http_client")
"""

from __future__ import annotations

import contextlib
from collections.abc import MutableMapping
from typing import Any

import httpx
import openai

from kluster_integrations.core.contract import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
)
from kluster_integrations.core.rate_limits import (
    RATE_LIMIT_OPTION_NAMES,
    Declaration,
    account_of,
    rate_limit_settings,
)
from kluster_integrations.core.transport._guards import (
    ACCEPTED_ENCODINGS,
    AsyncGuardedTransport,
    GuardedTransport,
    GuardOptions,
)
from kluster_integrations.core.transport._http import POOL_LIMITS, LoopLocalAsyncTransport
from kluster_integrations.core.transport._log_masking import install_log_masking
from kluster_integrations.core.transport._rate_limited import (
    NO_DECLARATION,
    AsyncRateLimitedTransport,
    RateLimitedTransport,
)

#: The constructor options every adapter class adds to its framework's own.
GUARD_OPTION_NAMES = ("deadline", "stream_idle_timeout", "max_response_bytes")


def connection_defaults(
    kwargs: MutableMapping[str, Any], timeout_names: tuple[str, ...] = ("timeout",)
) -> MutableMapping[str, Any]:
    """Fill in the package's ``max_retries`` and ``timeout`` unless the caller set them."""
    kwargs.setdefault("max_retries", DEFAULT_MAX_RETRIES)
    if all(kwargs.get(name) is None for name in timeout_names):
        kwargs[timeout_names[0]] = DEFAULT_TIMEOUT
    return kwargs


def with_guarded_http_clients(
    kwargs: MutableMapping[str, Any],
    *,
    async_client_name: str,
    timeout: Any = None,
    account: tuple[Any, Any] = (None, None),
) -> MutableMapping[str, Any]:
    """``kwargs`` with ``http_client`` and ``kwargs[async_client_name]`` set to guarded clients
    where the caller brought none, configured from the ``GUARD_OPTION_NAMES`` and
    ``RATE_LIMIT_OPTION_NAMES`` in ``kwargs`` and ``timeout`` (the read timeout). Their values
    are checked either way (``kwargs["tier"]`` comes back in lower case). ``account``, the
    API key and base URL when known, gets the rate-limit options now (the Batch API reads
    its tier before any request)."""
    options = guard_options(
        timeout=timeout, **{name: kwargs.get(name) for name in GUARD_OPTION_NAMES}
    )
    declaration = rate_limit_declaration(kwargs)
    api_key, base_url = account
    if isinstance(api_key, str) and isinstance(base_url, str) and api_key and base_url:
        account_of(api_key, base_url).declare(declaration)
    if kwargs.get("http_client") is None or kwargs.get(async_client_name) is None:
        sync_client, async_client = guarded_http_clients(options, declaration)
        if kwargs.get("http_client") is None:
            kwargs["http_client"] = sync_client
        if kwargs.get(async_client_name) is None:
            kwargs[async_client_name] = async_client
    return kwargs


def rate_limit_declaration(kwargs: MutableMapping[str, Any]) -> Declaration:
    """The rate-limit options in ``kwargs``, checked (``InvalidRateLimitError`` names the
    option); the tier is written back in lower case."""
    settings = rate_limit_settings(**{name: kwargs.get(name) for name in RATE_LIMIT_OPTION_NAMES})
    if settings.tier is not None:
        kwargs["tier"] = settings.tier
    return NO_DECLARATION if settings.is_empty else Declaration(settings)


def guard_options(
    *,
    deadline: float | None = None,
    stream_idle_timeout: float | None = None,
    max_response_bytes: int | None = None,
    timeout: Any = None,
) -> GuardOptions:
    """``GuardOptions`` from constructor values; ``stream_idle_timeout`` defaults to the
    read timeout. Raises ``ValueError`` for values that are not positive numbers."""
    for name, value in (
        ("deadline", deadline),
        ("stream_idle_timeout", stream_idle_timeout),
        ("max_response_bytes", max_response_bytes),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
        ):
            raise ValueError(
                f"{name} must be a positive number (or None for the default), not {value!r}."
            )
    return GuardOptions(
        deadline=deadline,
        stream_idle_timeout=stream_idle_timeout or _read_timeout(timeout),
        max_response_bytes=int(max_response_bytes or DEFAULT_MAX_RESPONSE_BYTES),
    )


def _read_timeout(timeout: Any) -> float:
    if isinstance(timeout, int | float) and not isinstance(timeout, bool):
        return float(timeout)
    if isinstance(timeout, httpx.Timeout) and timeout.read is not None:
        return timeout.read
    if isinstance(timeout, tuple) and timeout and isinstance(timeout[-1], int | float):
        return float(timeout[-1])
    return DEFAULT_TIMEOUT


def guarded_http_clients(
    options: GuardOptions, declaration: Declaration = NO_DECLARATION
) -> tuple[httpx.Client, httpx.AsyncClient]:
    """A sync and an async httpx client with the openai SDK's defaults, the guards and the
    account's rate limit (``declaration``: the object's own options, if any); the key is
    masked in the DEBUG logs of openai, httpx and httpcore from now on."""
    return (
        guarded_sync_http_client(options, declaration),
        guarded_async_http_client(options, declaration),
    )


def guarded_sync_http_client(
    options: GuardOptions | None = None, declaration: Declaration = NO_DECLARATION
) -> httpx.Client:
    """The sync client of ``guarded_http_clients`` alone (guards at their defaults unless
    ``options`` says), for a sync openai client such as the batch command line's."""
    install_log_masking()
    options = options or GuardOptions()
    guarded = GuardedTransport(httpx.HTTPTransport(limits=POOL_LIMITS), options)
    transport = RateLimitedTransport(guarded, declaration, options)
    return _ClosedWhenCollected(transport=transport, headers=_HEADERS)


def guarded_async_http_client(
    options: GuardOptions | None = None, declaration: Declaration = NO_DECLARATION
) -> httpx.AsyncClient:
    """The async client of ``guarded_http_clients`` alone, e.g. for an async openai client
    built beside a sync one the caller gave."""
    install_log_masking()
    options = options or GuardOptions()
    guarded = AsyncGuardedTransport(LoopLocalAsyncTransport(), options)
    transport = AsyncRateLimitedTransport(guarded, declaration, options)
    return openai.DefaultAsyncHttpxClient(transport=transport, headers=_HEADERS)


#: The transports would set it anyway; set here, httpx does not rewrite it per request.
_HEADERS = {"Accept-Encoding": ACCEPTED_ENCODINGS}


class _ClosedWhenCollected(openai.DefaultHttpxClient):
    """Closes its pool when the model object that owns it is collected, as the openai
    SDK's own default client does (the async pools close with their event loop)."""

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # nothing to report to at collection
            if not self.is_closed:  # (a half-built copy has no state yet)
                self.close()
