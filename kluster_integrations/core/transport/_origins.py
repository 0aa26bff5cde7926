"""Where the API key and the base URL in use came from (an argument, an environment
variable, the default), recorded as ``resolve_api_key`` / ``resolve_base_url`` resolve
them, so an error can say what to change.

A URL is recorded as it is, a key only as a digest (never the key). The most recent
``_LIMIT`` of each are kept; the same value resolved again takes its latest origin.

Example::

    >>> record_url_source("http://127.0.0.1:8765/v1/", Source("environment", "KLUSTER_BASE_URL"))
    >>> str(url_source("http://127.0.0.1:8765/v1"))
    'set by the environment variable KLUSTER_BASE_URL'
    >>> url_source("http://elsewhere/v1") is None
    True
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Literal

#: How many URLs and keys are remembered (a process rarely resolves more).
_LIMIT = 64


@dataclass(frozen=True)
class Source:
    """Where a value came from: ``kind`` and the argument's or variable's ``name``
    (``None`` for the default)."""

    kind: Literal["argument", "environment", "default"]
    name: str | None = None

    def __str__(self) -> str:
        if self.kind == "argument":
            return f"passed as {self.name}="
        if self.kind == "environment":
            return f"set by the environment variable {self.name}"
        return f"the default, as {self.name} is not set" if self.name else "the default"


_lock = threading.Lock()
_url_sources: dict[str, Source] = {}
_key_sources: dict[str, Source] = {}


def _url_key(url: str) -> str:
    return url.strip().rstrip("/").lower()


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _remember(sources: dict[str, Source], name: str, source: Source) -> None:
    with _lock:
        sources.pop(name, None)
        sources[name] = source
        while len(sources) > _LIMIT:
            del sources[next(iter(sources))]


def record_url_source(url: str, source: Source) -> None:
    """Remember that the base URL ``url`` came from ``source``."""
    _remember(_url_sources, _url_key(url), source)


def record_key_source(key: str, source: Source) -> None:
    """Remember that the API key ``key`` came from ``source`` (only its digest is kept)."""
    _remember(_key_sources, _key_digest(key), source)


def url_source(url: str) -> Source | None:
    """Where the base URL ``url`` came from, if it was resolved here."""
    return _url_sources.get(_url_key(url))


def key_source(key: str) -> Source | None:
    """Where the API key ``key`` came from, if it was resolved here."""
    return _key_sources.get(_key_digest(key))
