"""What the emulator counts to enforce rate limits, per API key and model: the requests
being answered, the starts in the current minute, and every 429 it gave for them.

``admit`` is called as a request arrives; its ``Ticket`` says how many requests of that
key and model are being answered (this one included) and, when a limit is passed, the
``Retry-After`` to answer 429 with. ``Ticket.done`` is called once the answer has been
sent. A minute is sliding (no 60 seconds hold more than the limit) or fixed (calendar
minutes, counted from zero at each one).

Example::

    ledger = RateLedger()
    ticket = ledger.admit("key", "model", requests_per_minute=30, max_concurrent=20)
    ticket.in_flight, ticket.retry_after         # (1, None)
    ticket.done()
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Literal

from kluster_integrations.core.contract import RATE_LIMIT_WINDOW

RateWindow = Literal["sliding", "fixed"]
#: The ``Retry-After`` of a 429 for too many requests at once.
CONCURRENCY_RETRY_AFTER = 1


@dataclass(frozen=True)
class RateLimited:
    """One request answered 429 by the emulator's rate limit: its ``model``, the ``limit``
    passed (``"requests_per_minute"`` or ``"max_concurrent"``) and the ``retry_after`` sent."""

    model: str
    limit: str
    retry_after: int


class _Count:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class Ticket:
    """One arrived request: ``in_flight`` (its key and model, itself included) and the
    ``retry_after`` to refuse it with (``None``: admitted)."""

    __slots__ = ("_count", "_lock", "in_flight", "retry_after")

    def __init__(
        self, lock: threading.Lock, count: _Count, in_flight: int, retry_after: int | None
    ) -> None:
        self._lock = lock
        self._count: _Count | None = count
        self.in_flight = in_flight
        self.retry_after = retry_after

    def done(self) -> None:
        """The answer has been sent (again: nothing)."""
        with self._lock:
            if self._count is not None:
                self._count.value -= 1
                self._count = None


class RateLedger:
    """The counts behind the emulator's rate limits (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[bytes, str], _Count] = {}
        self._starts: dict[tuple[bytes, str], deque[float]] = {}
        self._rejected: list[RateLimited] = []

    def admit(
        self,
        key: str,
        model: str,
        *,
        requests_per_minute: int | None = None,
        max_concurrent: int | None = None,
        window: RateWindow = "sliding",
    ) -> Ticket:
        name = (hashlib.sha256(key.encode()).digest(), model)
        now = time.time()
        with self._lock:
            count = self._counts.setdefault(name, _Count())
            count.value += 1
            retry_after = None
            limit = ""
            if max_concurrent is not None and count.value > max_concurrent:
                retry_after, limit = CONCURRENCY_RETRY_AFTER, "max_concurrent"
            elif requests_per_minute is not None:
                starts = self._starts.setdefault(name, deque())
                retry_after = _window_full(starts, now, requests_per_minute, window)
                limit = "requests_per_minute"
                if retry_after is None:
                    starts.append(now)
            if retry_after is not None:
                self._rejected.append(RateLimited(model, limit, retry_after))
            return Ticket(self._lock, count, count.value, retry_after)

    def rejections(self) -> list[RateLimited]:
        """The 429s given so far, oldest first."""
        with self._lock:
            return list(self._rejected)

    def reset(self) -> None:
        """Forget the starts and the 429s (requests still being answered count on)."""
        with self._lock:
            self._counts = {name: c for name, c in self._counts.items() if c.value > 0}
            self._starts.clear()
            self._rejected.clear()


def _window_full(starts: deque[float], now: float, limit: int, window: RateWindow) -> int | None:
    """Seconds until the minute has room (whole, at least 1), or ``None`` if it has now."""
    if window == "fixed":
        minute_began = now - now % RATE_LIMIT_WINDOW
        while starts and starts[0] < minute_began:
            starts.popleft()
        frees_at = minute_began + RATE_LIMIT_WINDOW
    else:
        while starts and starts[0] <= now - RATE_LIMIT_WINDOW:
            starts.popleft()
        frees_at = starts[0] + RATE_LIMIT_WINDOW if starts else now
    if len(starts) < limit:
        return None
    return max(1, math.ceil(frees_at - now))
