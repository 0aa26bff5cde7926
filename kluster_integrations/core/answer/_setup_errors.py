"""The openai SDK's errors that come from the setup, raised as errors that say what to fix.

A connection refused or a host name that does not resolve, HTTP 401, 403 and 404 come from
the setup (base URL, API key, model id), not from one request. ``setup_errors`` raises
them as ``ServerUnreachableError``, ``APIKeyRejectedError``, ``AccessDeniedError``,
``UnknownModelError`` (with the catalog's closest ids) or ``WrongBaseURLPathError`` (a 404
on a base URL without ``/v1``), each still the SDK's own error (``except
openai.AuthenticationError`` keeps working), chained ``from`` it. They name the base URL and
where it and the key came from (``core.transport`` records it as they are resolved), the
key only masked, and for this machine the command that starts the emulator. Every chat
answer (``complete``, ``stream`` and their async forms) and every embeddings request is
sent inside it; other errors pass unchanged.

Example::

    with setup_errors(model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", purpose="chat"):
        client.chat.completions.create(...)
    # no server on the port: ServerUnreachableError: Could not connect to the kluster.ai
    # base URL http://127.0.0.1:8765/v1 (set by the environment variable KLUSTER_BASE_URL):
    # the connection was refused. ... python -m kluster_integrations.emulator --port 8765
"""

from __future__ import annotations

import socket
from typing import Any, Literal

import httpx
import openai

from kluster_integrations.core.contract import BASE_URL_ENV, DEFAULT_BASE_URL
from kluster_integrations.core.errors import (
    AccessDeniedError,
    APIKeyRejectedError,
    KlusterError,
    ServerUnreachableError,
    UnknownModelError,
    WrongBaseURLPathError,
)
from kluster_integrations.core.models import lookup_model, similar_models
from kluster_integrations.core.transport import (
    ends_in_v1,
    is_local_host,
    key_hint,
    key_source,
    masked_start,
    url_source,
)

#: The endpoints sent to; what precedes one in a request's URL is the base URL.
_ENDPOINTS = ("/chat/completions", "/embeddings")
#: The server's own words quoted in a message, at most.
_DETAIL_CHARS = 300
#: What the operating system says when a host name does not resolve (Linux, macOS, Windows).
_UNRESOLVED = ("name or service not known", "nodename nor servname", "getaddrinfo", "resolution")
#: How far down a chain of wrapped errors the operating system's error is looked for.
_CHAIN_LINKS = 8


class setup_errors:
    """The SDK's setup errors raised inside, as the errors that say what to fix (see the
    module docstring); ``model`` is the id asked for, ``purpose`` what it is for. A class,
    as ``core.transport.call_scope`` is: entered on every call, it adds under 1 µs."""

    __slots__ = ("model", "purpose")

    def __init__(self, *, model: Any, purpose: Literal["chat", "embeddings"]) -> None:
        self.model = model
        self.purpose: Literal["chat", "embeddings"] = purpose

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, error: BaseException | None, traceback: object) -> None:
        if error is None or isinstance(error, KlusterError):
            return
        guided: Exception | None = None
        if isinstance(error, openai.APIConnectionError):
            guided = _unreachable(error)
        elif isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
            refused = APIKeyRejectedError if error.status_code == 401 else AccessDeniedError
            guided = _refused_key(refused, error)
        elif isinstance(error, openai.NotFoundError):
            guided = _not_found(error, self.model, self.purpose)
        if guided is not None:
            raise guided from error


def _unreachable(error: openai.APIConnectionError) -> ServerUnreachableError | None:
    """For a connection that could not be made (not a timeout, nor one cut off later)."""
    cause = error.__cause__
    if not isinstance(cause, httpx.ConnectError):
        return None
    url = error.request.url
    base = base_url_of(url)
    host = url.host
    found = _underlying(cause)
    text = str(found)
    if isinstance(found, ConnectionRefusedError) or "refused" in text.lower():
        reason = "the connection was refused (nothing listens there)"
    elif isinstance(found, socket.gaierror) or any(m in text.lower() for m in _UNRESOLVED):
        reason = f"the host name {host!r} does not resolve"
    else:
        reason = text[:_DETAIL_CHARS] or type(found).__name__
    if is_local_host(host):
        port = url.port or (443 if url.scheme == "https" else 80)
        where = "" if host in ("127.0.0.1", "localhost") else f" --host {host}"
        fix = (
            "To work offline, start the emulator in another terminal: "
            f"python -m kluster_integrations.emulator --port {port}{where}; "
            f"else point {BASE_URL_ENV} (or base_url=) at a server that is running."
        )
    else:
        fix = (
            "Check the host name and port, and that this machine can reach it (network, "
            f"proxy, firewall); kluster.ai's API is {DEFAULT_BASE_URL}."
        )
    source = url_source(base)
    return ServerUnreachableError(
        base, str(source) if source else None, reason, fix, request=error.request
    )


def _underlying(error: BaseException) -> BaseException:
    """The operating system's error under ``error`` (httpx wraps httpcore's, which wraps
    the socket's; async transports wrap it once more), else ``error``."""
    seen: BaseException | None = error
    for _ in range(_CHAIN_LINKS):
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError | socket.gaierror):
            return seen
        seen = seen.__cause__ or seen.__context__
    return error


def _refused_key(
    kind: type[APIKeyRejectedError | AccessDeniedError], error: openai.APIStatusError
) -> APIKeyRejectedError | AccessDeniedError:
    key = _bearer_key(error.response.request)
    source = key_source(key) if key else None
    return kind(
        key_hint(key),
        str(source) if source else None,
        _detail(error, key),
        response=error.response,
        body=error.body,
    )


def _not_found(
    error: openai.NotFoundError, model: Any, purpose: Literal["chat", "embeddings"]
) -> UnknownModelError | WrongBaseURLPathError | None:
    response = error.response
    base = base_url_of(response.request.url)
    detail = _detail(error, _bearer_key(response.request))
    if error.code != "model_not_found" and not ends_in_v1(base):
        source = url_source(base)
        url = response.request.url
        suggested = (
            f"{url.scheme}://{url.netloc.decode('ascii')}/v1 (kluster.ai's is {DEFAULT_BASE_URL})"
        )
        return WrongBaseURLPathError(
            base,
            str(source) if source else None,
            suggested,
            detail,
            response=response,
            body=error.body,
        )
    if isinstance(model, str) and (error.code == "model_not_found" or lookup_model(model) is None):
        suggestions = similar_models(model, purpose=purpose)
        return UnknownModelError(model, suggestions, detail, response=response, body=error.body)
    return None


def base_url_of(url: httpx.URL) -> str:
    """The base URL a request to ``url`` was sent under (its endpoint path removed).

    >>> base_url_of(httpx.URL("http://127.0.0.1:8765/v1/chat/completions"))
    'http://127.0.0.1:8765/v1'
    """
    text = f"{url.scheme}://{url.netloc.decode('ascii')}{url.path}"
    for endpoint in _ENDPOINTS:
        if text.endswith(endpoint):
            return text[: -len(endpoint)]
    return text.rsplit("/", 1)[0]


def _bearer_key(request: httpx.Request) -> str | None:
    return request.headers.get("authorization", "").removeprefix("Bearer ").strip() or None


def _detail(error: openai.APIStatusError, key: str | None) -> str:
    """``: <the server's message>``, shortened and with the key masked, or nothing."""
    body = error.body
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    text = " ".join(masked_start(message, key, _DETAIL_CHARS).split()).rstrip(".")
    return f": {text}"
