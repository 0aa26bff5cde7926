"""Constructor defaults shared by ``ChatKluster`` and ``KlusterEmbeddings`` (and, in
``chat_model_defaults``, those of ``ChatKluster`` alone).

``with_kluster_connection(kwargs)`` fills in the API key (``api_key=`` else
``$KLUSTER_API_KEY``, else ``MissingAPIKeyError``), the base URL (``base_url=`` else
``$KLUSTER_BASE_URL`` else the public endpoint; where each came from is recorded for the
errors that say what to fix), the package's retry and timeout defaults,
and sync and async HTTP clients with the answer guards (``deadline``,
``stream_idle_timeout``, ``max_response_bytes``; see ``core.transport``) and the account's
rate limit (``requests_per_minute``, ``max_concurrent_requests``, ``tier``; see
``core.rate_limits``), the async one safe across event loops, unless the caller brought
their own client or proxy.

Example::

    ChatOpenAI(**with_kluster_connection({"model": "..."}))
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from pydantic import SecretStr

from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.core.transport import (
    connection_defaults,
    rate_limit_declaration,
    resolve_api_key,
    resolve_base_url,
    with_guarded_http_clients,
)

_KEY_NAMES = ("api_key", "openai_api_key")
_URL_NAMES = ("base_url", "openai_api_base")


def with_kluster_connection(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A copy of the constructor arguments with key, URL and HTTP clients filled in."""
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("model_kwargs"), dict):
        # LangChain moves known fields out of model_kwargs by popping them from this dict.
        kwargs["model_kwargs"] = dict(kwargs["model_kwargs"])
    key_name = next((name for name in _KEY_NAMES if kwargs.get(name) is not None), None)
    if key_name is None:
        kwargs["api_key"] = resolve_api_key()
    elif isinstance(kwargs[key_name], str | SecretStr):  # a callable key is kept as it is
        value = kwargs[key_name]
        kwargs[key_name] = resolve_api_key(
            value.get_secret_value() if isinstance(value, SecretStr) else value,
            argument=key_name,
        )
    connection_defaults(kwargs, ("timeout", "request_timeout"))
    url_name = next((name for name in _URL_NAMES if kwargs.get(name)), "base_url")
    kwargs[url_name] = resolve_base_url(kwargs.get(url_name), argument=url_name)
    if not (kwargs.get("openai_proxy") or os.environ.get("OPENAI_PROXY")):
        with_guarded_http_clients(
            kwargs,
            async_client_name="http_async_client",
            timeout=kwargs.get("timeout", kwargs.get("request_timeout")),
            account=(kwargs.get(key_name or "api_key"), kwargs[url_name]),
        )
    else:
        rate_limit_declaration(kwargs)  # checked, though a proxy's clients are not limited
    return kwargs


def chat_model_defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments with the kluster.ai connection and chat defaults filled in."""
    if "strict" in kwargs:
        # ChatOpenAI has no such field: it would go into model_kwargs and break every call.
        raise InvalidRequestError(
            [
                "ChatKluster has no `strict` option: strict mode is `strict_parameters=True` "
                "(for strict tool schemas, pass `strict=True` to `bind_tools`)."
            ]
        )
    kwargs = with_kluster_connection(kwargs)
    if kwargs.pop("use_responses_api", None):
        warnings.warn(
            "kluster.ai serves chat completions only; use_responses_api=True is ignored.",
            UserWarning,
            stacklevel=3,
        )
    return kwargs
