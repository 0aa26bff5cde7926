"""One limiter per kluster.ai account (API key and server) in the process, shared by every
model object, thread and event loop that uses it.

Each model object's HTTP transports hold a ``Declaration`` of its rate-limit options and
declare it to the account of every request they send; the account follows the strictest
of the declarations still alive (an object that is gone no longer counts). Its limits per
model then come from those options, the live model list (``use_live_limits``, called
when the catalog is loaded) and the tier (``core.rate_limits.model_limits``). The key is
kept only as a SHA-256 digest.

Example::

    account = account_of("my-key", "https://api.kluster.ai/v1")
    account.declare(Declaration(rate_limit_settings(tier="trial")))
    account.limits_for("klusterai/Meta-Llama-3.3-70B-Instruct-Turbo")   # 30/min, 20 at once
    account.budget("klusterai/Meta-Llama-3.3-70B-Instruct-Turbo")       # shared by all
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Mapping

import httpx

from kluster_integrations.core.contract import TIER_LIMITS
from kluster_integrations.core.rate_limits._budget import Budget
from kluster_integrations.core.rate_limits._settings import (
    ModelLimits,
    RateLimitSettings,
    model_limits,
    strictest,
)

_NO_SETTINGS = RateLimitSettings()


class Declaration:
    """A model object's rate-limit options, alive as long as its HTTP transports are."""

    __slots__ = ("__weakref__", "settings")

    def __init__(self, settings: RateLimitSettings) -> None:
        self.settings = settings


class Account:
    """The rate-limit state of one API key on one server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._declared: weakref.WeakSet[Declaration] = weakref.WeakSet()
        self._changes = 0
        self._merged: tuple[tuple[int, int], RateLimitSettings] = ((0, 0), _NO_SETTINGS)
        self._live: Mapping[str, ModelLimits] = {}
        self._budgets: dict[str | None, Budget] = {}

    def declare(self, declaration: Declaration) -> None:
        """Count ``declaration`` while it is alive (empty ones change nothing)."""
        if declaration.settings.is_empty or declaration in self._declared:
            return
        with self._lock:
            self._declared.add(declaration)
            self._changes += 1
        _in_use.set()

    def settings(self) -> RateLimitSettings:
        """The strictest options among the declarations alive."""
        seen = (self._changes, len(self._declared))
        cached_for, merged = self._merged
        if cached_for != seen:
            with self._lock:
                merged = strictest([d.settings for d in list(self._declared)])
                self._merged = (seen, merged)
        return merged

    @property
    def is_limited(self) -> bool:
        """Whether any limit may apply (declared options or live limits)."""
        return bool(self._live) or not self.settings().is_empty

    def limits_for(self, model: str | None) -> ModelLimits:
        """The limits of ``model`` (``None``: requests without one, such as file uploads,
        which have the options' and the tier's limits but none from the live list)."""
        live = self._live.get(model) if model is not None else None
        return model_limits(self.settings(), live)

    def budget(self, model: str | None) -> Budget:
        """The budget every request for ``model`` on this account shares."""
        budget = self._budgets.get(model)
        if budget is None:
            with self._lock:
                budget = self._budgets.setdefault(model, Budget())
        return budget

    def use_live(self, limits: Mapping[str, ModelLimits]) -> None:
        """The live list's limits per model, replacing those known before."""
        self._live = dict(limits)
        if limits:
            _in_use.set()

    def max_batch_requests(self) -> tuple[int, str] | None:
        """The requests one batch may hold, with the tier that says so; ``None``: no cap
        is known."""
        tier = self.settings().tier
        cap = TIER_LIMITS[tier].max_batch_requests if tier is not None else None
        return (cap, tier) if cap is not None and tier is not None else None


_lock = threading.Lock()
_accounts: dict[tuple[bytes, str], Account] = {}
#: Set once any account of the process may have limits: until then a request without
#: options of its own has nothing to look up.
_in_use = threading.Event()


_generation = 0


def accounts_generation() -> int:
    """Changes when the accounts are forgotten (an account found before is stale then)."""
    return _generation


def limits_in_use() -> bool:
    """Whether any account of the process has had options declared or live limits."""
    return _in_use.is_set()


def _origin(url: httpx.URL) -> str:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    return f"{url.scheme}://{url.host}:{port}"


def account_of(api_key: str, url: str | httpx.URL) -> Account:
    """The account of ``api_key`` on the server of ``url`` (any URL on it)."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    name = (hashlib.sha256(api_key.encode()).digest(), _origin(parsed))
    account = _accounts.get(name)
    if account is None:
        with _lock:
            account = _accounts.setdefault(name, Account())
    return account


def use_live_limits(api_key: str, url: str | httpx.URL, limits: Mapping[str, ModelLimits]) -> None:
    """Record the limits the live model list states for this account (``core.models`` calls
    it when it loads the list)."""
    account_of(api_key, url).use_live(limits)


def forget_live_limits() -> None:
    """Forget every account's live limits (the built-in catalog is back in use)."""
    with _lock:
        accounts = list(_accounts.values())
    for account in accounts:
        account.use_live({})


def reset_rate_limits() -> None:
    """Forget every account: budgets, declarations, live limits (for tests; objects made
    before declare their options again with their next request)."""
    global _generation
    with _lock:
        _accounts.clear()
        _in_use.clear()
        _generation += 1
