"""Request preparation: what every adapter instance runs on each request (sanitize, warn
once, validate) before anything is sent.

``RequestPreparer`` wraps ``sanitize_request`` and ``check_request`` with the one piece of state
an adapter needs: which parameters it has already warned about, so each parameter the user
set is reported once per model object rather than on every call. Changes are logged at
DEBUG on the ``kluster_integrations`` logger (names and reasons only, never values).

Example::

    preparer = RequestPreparer()
    clean = preparer.prepare(payload, user_chosen={"service_tier"})               # warns once
    clean = preparer.prepare(payload, user_chosen={"service_tier"})               # silent now
    preparer.prepare(payload, user_chosen={"service_tier"}, strict=True)          # raises
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Mapping
from typing import Any

from kluster_integrations.core.request._sanitizer import sanitize_request
from kluster_integrations.core.request._validation import check_request

logger = logging.getLogger("kluster_integrations")


def refuse_unsupported(params: Mapping[str, Any]) -> None:
    """Strict mode at construction: raise ``UnsupportedParameterError`` if the parameters a
    user configured on a model object include any that kluster.ai refuses."""
    extra = params.get("extra_body")
    named = set(params) | (set(extra) if isinstance(extra, Mapping) else set())
    sanitize_request(params, user_chosen=named, policy="raise")


class RequestPreparer:
    """Per-model-object request preparation; thread-safe."""

    def __init__(self) -> None:
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"warned": set(self._warned)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._warned = set(state["warned"])
        self._lock = threading.Lock()

    def prepare(
        self,
        request: Mapping[str, Any],
        *,
        user_chosen: Collection[str] = (),
        strict: bool = False,
        capabilities: frozenset[str] | None = None,
    ) -> dict[str, Any]:
        """The request as kluster.ai accepts it.

        ``user_chosen`` names the parameters the user set. In strict mode any of them that
        kluster.ai refuses raises ``UnsupportedParameterError``; otherwise each is warned
        about the first time only. Bad values raise ``InvalidRequestError``. Either way
        nothing has been sent. ``capabilities`` overrides what the catalog says about the
        request's model (``core.tools.plan_request`` gives them).
        """
        if strict:
            result = sanitize_request(
                request, user_chosen=user_chosen, policy="raise", capabilities=capabilities
            )
        else:
            if self._warned:
                with self._lock:
                    fresh: Collection[str] = set(user_chosen) - self._warned
            else:
                fresh = user_chosen
            result = sanitize_request(
                request, user_chosen=fresh, policy="warn", capabilities=capabilities
            )
            if result.refused:
                with self._lock:
                    self._warned.update(name.rsplit(".", 1)[-1] for name in result.refused)
        if logger.isEnabledFor(logging.DEBUG):
            for change in result.changes:
                logger.debug("kluster.ai request: %s", change)
        check_request(result.request)
        return result.request
