"""A base URL that will work, or a warning that says why it may not.

- kluster.ai's own host without a path (``https://api.kluster.ai``) gets ``/v1`` added;
- another URL whose path does not end in ``/v1`` warns once: OpenAI-compatible servers
  serve ``/v1/chat/completions``, and the 404 a missing ``/v1`` causes reads like an unknown
  model;
- ``http://`` to a host other than this machine warns once: the API key would travel in
  clear text.

Example::

    >>> checked_base_url("https://api.kluster.ai")
    'https://api.kluster.ai/v1'
"""

from __future__ import annotations

import threading
import warnings
from urllib.parse import urlsplit

from kluster_integrations.core.contract import KLUSTER_HOSTS
from kluster_integrations.core.errors import BaseURLWarning

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})

_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()


def checked_base_url(url: str, *, stacklevel: int = 3) -> str:
    """``url`` (``/v1`` added for kluster.ai's host), warning once per problem and URL."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if host in KLUSTER_HOSTS and not path:
        return url.rstrip("/") + "/v1"
    if not ends_in_v1(url):
        _warn_once(
            url,
            "path",
            f"The base URL {url!r} does not end in /v1; kluster.ai and "
            "its emulator serve /v1/chat/completions, so requests will probably get "
            "404 (the path is wrong, not the model). Use e.g. https://api.kluster.ai/v1.",
            stacklevel,
        )
    if parts.scheme == "http" and not is_local_host(host):
        _warn_once(
            url,
            "http",
            f"The base URL {url!r} uses plain http:// to another "
            "machine: the API key travels in clear text. Use https://.",
            stacklevel,
        )
    return url


def ends_in_v1(url: str) -> bool:
    """True when the path of ``url`` ends in ``/v1``, where OpenAI-compatible APIs live."""
    return urlsplit(url).path.rstrip("/").split("/")[-1] == "v1"


def is_local_host(host: str) -> bool:
    """True for a host name or address of this machine (``localhost``, ``127.0.0.1``...)."""
    host = host.lower()
    return host in _LOCAL_HOSTS or host.endswith(".localhost")


def _warn_once(url: str, problem: str, message: str, stacklevel: int) -> None:
    with _lock:
        if (url, problem) in _warned:
            return
        _warned.add((url, problem))
    warnings.warn(message, BaseURLWarning, stacklevel=stacklevel + 1)
