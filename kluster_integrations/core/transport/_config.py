"""Where the API key and base URL come from.

Each is the argument passed in, else its environment variable (else, for the URL, the
public endpoint); where it came from is recorded (``_origins``) for errors that say what
to change.

Example::

    >>> resolve_api_key("sk-test")          # else $KLUSTER_API_KEY, else MissingAPIKeyError
    'sk-test'
    >>> resolve_base_url("http://127.0.0.1:8765/v1/")   # else $KLUSTER_BASE_URL, else public
    'http://127.0.0.1:8765/v1'
"""

from __future__ import annotations

import os

from kluster_integrations.core.contract import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL
from kluster_integrations.core.errors import (
    EmptyAPIKeyError,
    InvalidAPIKeyError,
    MissingAPIKeyError,
)
from kluster_integrations.core.transport._base_url import checked_base_url
from kluster_integrations.core.transport._key_masking import remember_key
from kluster_integrations.core.transport._origins import (
    Source,
    record_key_source,
    record_url_source,
)


def resolve_api_key(explicit: str | None = None, *, argument: str = "api_key") -> str:
    """The key passed in (as ``argument``), else ``$KLUSTER_API_KEY``; raises
    ``MissingAPIKeyError``, or ``InvalidAPIKeyError`` for a key no HTTP header can carry
    (whose transport error would quote it). The key is remembered, to be masked in logs."""
    if explicit is not None and not explicit.strip():
        raise EmptyAPIKeyError(API_KEY_ENV)
    key = explicit if explicit else os.environ.get(API_KEY_ENV, "")
    if not key.strip():
        raise MissingAPIKeyError(API_KEY_ENV)
    key = key.strip()
    if not (key.isascii() and key.isprintable()) or any(c.isspace() for c in key):
        raise InvalidAPIKeyError(API_KEY_ENV)
    remember_key(key)  # masked in the logs of the HTTP libraries (core.transport)
    record_key_source(
        key, Source("argument", argument) if explicit else Source("environment", API_KEY_ENV)
    )
    return key


def resolve_base_url(explicit: str | None = None, *, argument: str = "base_url") -> str:
    """The URL passed in (as ``argument``), else ``$KLUSTER_BASE_URL``, else the public
    endpoint (checked by ``core.transport.checked_base_url``: ``/v1`` added for kluster.ai's
    host, warnings for a missing ``/v1`` or plain http to another machine)."""
    from_env = os.environ.get(BASE_URL_ENV)
    if explicit:
        url, source = explicit, Source("argument", argument)
    elif from_env:
        url, source = from_env, Source("environment", BASE_URL_ENV)
    else:
        url, source = DEFAULT_BASE_URL, Source("default", BASE_URL_ENV)
    checked = checked_base_url(url.rstrip("/"))
    record_url_source(checked, source)
    return checked
