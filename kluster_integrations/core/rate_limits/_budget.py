"""The budget of one account and model: request starts per window, requests at once, and
the pause a 429 asks for, shared by every thread and event loop of the process.

A request takes a ``Slot`` before it is sent (``acquire`` blocks a thread, ``aacquire``
awaits; waiters are served first come, first served) and gives it back when its answer
has been read (``Slot.release``). The window counts each start from the moment it may
have reached the server: the answer's arrival when that comes within ``ARRIVAL_MARGIN``
seconds of sending, else sending plus the margin; so no window of ``window`` seconds on
the server's clock, sliding or fixed, sees more than ``requests`` starts. A 429 pauses
the whole budget for its ``Retry-After`` (else 1, 2, 4... up to 60 seconds) and halves the
requests allowed at once; each answer that follows allows one more again.

Example::

    budget = Budget()
    slot = budget.acquire(ModelLimits(requests=30, concurrent=5), until=None)
    ...                                  # send; read the answer
    slot.answered(status=200, retry_after=None)
    slot.release()
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from queue import SimpleQueue

from kluster_integrations.core.contract import CONCURRENT_REQUEST_LIMIT
from kluster_integrations.core.rate_limits._settings import ModelLimits

#: Seconds a request may take to reach the server after it is sent.
ARRIVAL_MARGIN = 1.0
#: The pause after a 429 without ``Retry-After``: the first, and the most it doubles to.
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
#: A ``Retry-After`` longer than this (an hour) pauses this long.
MAX_PAUSE = 3_600.0
#: A thread or task waiting for a request to end looks again at least this often (a slot
#: handed back by a finalizer waits in a queue until someone looks).
_LOOK_AGAIN = 1.0


class _Start:
    """One request start in the window: when it was sent, and when it may have arrived."""

    __slots__ = ("arrived_by", "sent")

    def __init__(self, sent: float) -> None:
        self.sent = sent
        self.arrived_by = sent + ARRIVAL_MARGIN


class Slot:
    """One request's place in a ``Budget``; ``waited`` is the seconds it queued."""

    __slots__ = ("_budget", "_released", "_start", "waited")

    def __init__(self, budget: Budget, start: _Start) -> None:
        self._budget = budget
        self._start = start
        self._released = False
        self.waited = 0.0

    def answered(self, status: int, retry_after: float | None) -> None:
        """The answer's head arrived: ``status``, and ``Retry-After`` in seconds if any."""
        self._budget._answered(self._start, status, retry_after)

    def release(self) -> None:
        """The answer has been read, has failed or was dropped (again: nothing). Safe in a
        finalizer: one that runs while its thread holds the budget's lock hands the slot
        back through a queue instead."""
        if self._released:
            return
        budget = self._budget
        if budget._lock.held_here():
            budget._orphans.put(self)
            return
        with budget._lock:
            budget._finish(self)
            budget._dispatch()


class _OwnedLock:
    """A lock that knows whether the running thread holds it."""

    __slots__ = ("_lock", "_owner")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None

    def __enter__(self) -> None:
        self._lock.acquire()
        self._owner = threading.get_ident()

    def __exit__(self, *exc_info: object) -> None:
        self._owner = None
        self._lock.release()

    def held_here(self) -> bool:
        return self._owner == threading.get_ident()


class _Waiter:
    __slots__ = ("event", "future", "loop", "slot")

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.slot: Slot | None = None
        self.loop = loop
        self.event = threading.Event() if loop is None else None
        self.future: asyncio.Future[None] | None = loop.create_future() if loop else None


class Budget:
    """The shared budget of one account and model (see the module's docstring)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = _OwnedLock()
        self._clock = clock
        self.limits = ModelLimits()
        self.in_flight = 0
        self._starts: deque[_Start] = deque()
        self._paused_until = 0.0
        self._throttled_at = -math.inf
        self._strikes = 0
        #: Requests allowed at once after 429s, below ``limits.concurrent``; ``None``: no cut.
        self._ceiling: int | None = None
        self._waiters: deque[_Waiter] = deque()
        self._orphans: SimpleQueue[Slot] = SimpleQueue()

    # --- taking a slot ---
    def acquire(self, limits: ModelLimits, until: float | None) -> Slot | None:
        """A slot, once ``limits`` allow one; ``None`` when ``until`` (a clock reading)
        comes first."""
        began = self._clock()
        with self._lock:
            waiter = self._enter(limits)
            if waiter is None:
                return self._take(began)
        try:
            while True:
                with self._lock:
                    wait = self._wait_for(waiter, until)
                if wait is None:
                    return self._done_waiting(waiter, began)
                assert waiter.event is not None
                waiter.event.wait(wait)
                waiter.event.clear()
        except BaseException:
            self._give_up(waiter)
            raise

    async def aacquire(self, limits: ModelLimits, until: float | None) -> Slot | None:
        """``acquire`` for a coroutine: waits without blocking its event loop."""
        began = self._clock()
        loop = asyncio.get_running_loop()
        with self._lock:
            waiter = self._enter(limits, loop)
            if waiter is None:
                return self._take(began)
        try:
            while True:
                with self._lock:
                    wait = self._wait_for(waiter, until)
                    future = waiter.future
                if wait is None:
                    return self._done_waiting(waiter, began)
                assert future is not None
                await asyncio.wait({future}, timeout=wait)
                with self._lock:
                    if waiter.future is future and future.done():
                        waiter.future = loop.create_future()
        except BaseException:
            self._give_up(waiter)
            raise

    def _enter(
        self, limits: ModelLimits, loop: asyncio.AbstractEventLoop | None = None
    ) -> _Waiter | None:
        """Under the lock: ``None`` when a slot is free now, else a queued waiter."""
        self._settle()
        self.limits = limits
        if not self._waiters and self._has_room(self._clock()):
            return None
        waiter = _Waiter(loop)
        self._waiters.append(waiter)
        return waiter

    def _wait_for(self, waiter: _Waiter, until: float | None) -> float | None:
        """Under the lock: the seconds to wait before looking again; ``None``: stop waiting
        (a slot was given, or ``until`` has come)."""
        self._settle()
        self._dispatch()
        if waiter.slot is not None:
            return None
        now = self._clock()
        if until is not None and now >= until:
            self._waiters.remove(waiter)
            self._dispatch()
            return None
        wait = self._next_change(now)
        wait = _LOOK_AGAIN if wait is None else min(wait, _LOOK_AGAIN)
        return wait if until is None else min(wait, until - now)

    def _done_waiting(self, waiter: _Waiter, began: float) -> Slot | None:
        if waiter.slot is not None:
            waiter.slot.waited = self._clock() - began
        return waiter.slot

    def _give_up(self, waiter: _Waiter) -> None:
        """The waiting thread or task was interrupted: leave the queue, or hand back the
        slot it was given meanwhile."""
        with self._lock:
            if waiter.slot is not None:
                self._finish(waiter.slot)
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            self._dispatch()

    # --- under the lock ---
    def _has_room(self, now: float) -> bool:
        if now < self._paused_until:
            return False
        limits = self.limits
        concurrent = limits.concurrent
        if self._ceiling is not None:
            concurrent = self._ceiling if concurrent is None else min(concurrent, self._ceiling)
        if concurrent is not None and self.in_flight >= concurrent:
            return False
        if limits.requests is not None:
            while self._starts and self._starts[0].arrived_by + limits.window <= now:
                self._starts.popleft()
            if len(self._starts) >= limits.requests:
                return False
        return True

    def _next_change(self, now: float) -> float | None:
        """Seconds until the pause or the window lets a request go; ``None``: only a
        request ending will."""
        if now < self._paused_until:
            return self._paused_until - now
        requests = self.limits.requests
        if requests is not None and len(self._starts) >= requests:
            return max(self._starts[0].arrived_by + self.limits.window - now, 0.001)
        return None

    def _take(self, now: float) -> Slot:
        start = _Start(now)
        self.in_flight += 1
        if self.limits.requests is not None:
            self._starts.append(start)
        return Slot(self, start)

    def _dispatch(self) -> None:
        """Give free slots to the waiters at the head of the queue."""
        now = self._clock()
        while self._waiters and self._has_room(now):
            waiter = self._waiters.popleft()
            waiter.slot = self._take(now)
            if not _wake(waiter):  # its event loop is gone
                self._finish(waiter.slot)

    def _finish(self, slot: Slot) -> None:
        if not slot._released:
            slot._released = True
            self.in_flight -= 1

    def _settle(self) -> None:
        """Release the slots finalizers handed back."""
        while not self._orphans.empty():
            self._finish(self._orphans.get_nowait())

    def _answered(self, start: _Start, status: int, retry_after: float | None) -> None:
        with self._lock:
            now = self._clock()
            start.arrived_by = min(start.arrived_by, now)
            if status == 429:
                self._throttle(start, now, retry_after)
            elif status < 400:
                self._recover()
            self._dispatch()

    def _throttle(self, start: _Start, now: float, retry_after: float | None) -> None:
        self._strikes += 1
        if retry_after is None or not math.isfinite(retry_after):
            pause = min(BACKOFF_FIRST * 2 ** min(self._strikes - 1, 16), BACKOFF_MAX)
        else:
            pause = min(max(retry_after, 0.0), MAX_PAUSE)
        self._paused_until = max(self._paused_until, now + pause)
        if start.sent > self._throttled_at:  # not one of the requests already cut for
            at_once = self._ceiling if self._ceiling is not None else self.in_flight
            self._ceiling = max(1, at_once // 2)
            self._throttled_at = now

    def _recover(self) -> None:
        self._strikes = 0
        if self._ceiling is not None:
            self._ceiling += 1
            if self._ceiling >= (self.limits.concurrent or CONCURRENT_REQUEST_LIMIT):
                self._ceiling = None

    # --- for tests and reports ---
    @property
    def queued(self) -> int:
        """Requests waiting for a slot now."""
        return len(self._waiters)

    @property
    def paused_for(self) -> float:
        """Seconds the budget stays paused by a 429 (0: not paused)."""
        return max(self._paused_until - self._clock(), 0.0)

    @property
    def at_once(self) -> int | None:
        """Requests allowed at once now (the limit, or less after 429s); ``None``: any."""
        concurrent = self.limits.concurrent
        if self._ceiling is None:
            return concurrent
        return self._ceiling if concurrent is None else min(concurrent, self._ceiling)


def _wake(waiter: _Waiter) -> bool:
    """Tell a waiter its slot is there; ``False`` when its event loop has closed."""
    if waiter.event is not None:
        waiter.event.set()
        return True
    assert waiter.loop is not None and waiter.future is not None
    try:
        waiter.loop.call_soon_threadsafe(_resolve, waiter.future)
    except RuntimeError:
        return False
    return True


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
