"""Polling a batch job: the delay between polls, the deadline, retries, and the progress bar.

A status request that fails for a reason that may heal (HTTP 408, 409, 429 or 5xx, a
timeout, a lost connection) is retried here, with the openai SDK's own retries turned off,
so nothing outlives the deadline: the delay is the server's ``Retry-After`` (up to
``MAX_RETRY_AFTER``) or a back-off doubling from the poll interval up to ``MAX_POLL``.
With ``timeout`` set, every status request waits at most the time left (each wait of
httpx, and with the package's guarded clients the whole answer, however slowly dripped),
and the wait ends with ``BatchTimeoutError`` at the deadline, failures or not. Without
one, a run of failures lasting ``GIVE_UP_AFTER`` seconds ends it with
``BatchStatusUnavailableError``; the job keeps running on kluster.ai either way. Any
other error (401, 404, ...) ends the wait at once.

Example::

    poller = Poller(job_id, interval=None, timeout=600, progress=True)
    while True:
        try:
            with poller.request_deadline():
                state = job_status(timeout=poller.request_timeout(client.timeout))
        except openai.OpenAIError as error:
            if not may_heal(error):
                raise
            delay = poller.after_failure(error)
        else:
            if (delay := poller.after(state)) is None:
                break
        time.sleep(delay)
    poller.close()
"""

from __future__ import annotations

import contextlib
import email.utils
import random
import time
from typing import Any

import httpx
import openai

from kluster_integrations.core.batch_api._status import BatchStatus
from kluster_integrations.core.errors import (
    BatchStatusUnavailableError,
    BatchTimeoutError,
    DeadlineExceededError,
)
from kluster_integrations.core.transport import deadline_cap

FIRST_POLL = 1.0
MAX_POLL = 30.0
BACKOFF = 1.5
#: Without a timeout, ``wait`` gives up after this many seconds of failed status requests
#: in a row (a kluster.ai outage or a broken network, not a slow job).
GIVE_UP_AFTER = 15 * 60.0
#: A longer ``Retry-After`` is not followed (the back-off is used), as in the openai SDK.
MAX_RETRY_AFTER = 60.0
_HEALING_STATUSES = frozenset({408, 409, 429})


def may_heal(error: BaseException) -> bool:
    """Whether a failed status request is worth repeating (rate limit, server, network)."""
    if isinstance(error, openai.APIStatusError):
        return error.status_code in _HEALING_STATUSES or error.status_code >= 500
    return isinstance(error, openai.APIConnectionError | DeadlineExceededError)


def retry_after(error: BaseException) -> float | None:
    """The wait the server asked for (``Retry-After-Ms`` or ``Retry-After``, in seconds or
    as an HTTP date), or ``None`` when it asked for none or more than ``MAX_RETRY_AFTER``."""
    response = getattr(error, "response", None)
    if not isinstance(response, httpx.Response):
        return None
    headers = response.headers
    seconds: float | None = None
    if (value := headers.get("retry-after-ms")) is not None:
        seconds = _number(value, scale=0.001)
    if seconds is None and (value := headers.get("retry-after")) is not None:
        seconds = _number(value)
        if seconds is None:
            try:
                seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError, OverflowError):
                return None
    return seconds if seconds is not None and 0 <= seconds <= MAX_RETRY_AFTER else None


def _number(text: str, scale: float = 1.0) -> float | None:
    try:
        return float(text) * scale
    except ValueError:
        return None


def _failure_name(error: BaseException) -> str:
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}"
    if isinstance(error, openai.APITimeoutError | DeadlineExceededError):
        return "a timeout"
    return "a connection error"


class Poller:
    """Delays between polls (fixed, or backing off), retries, the deadline, the progress bar."""

    def __init__(
        self, job_id: str, interval: float | None, timeout: float | None, progress: bool
    ) -> None:
        if interval is not None and interval <= 0:
            raise ValueError(f"poll_interval must be positive, not {interval}.")
        self.job_id = job_id
        self.interval = interval
        self.next_delay = interval if interval is not None else FIRST_POLL
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.timeout = timeout
        self.progress = progress
        self.bar: Any = None
        self.first_done: int | None = None  # requests done at the first status seen
        self.status: str | None = None  # the last one seen
        self.failures = 0  # failed status requests in a row
        self.failing_since: float | None = None
        self.last_failure: BaseException | None = None

    def request_timeout(self, client_timeout: float | httpx.Timeout | None) -> Any:
        """The timeout for the next status request: the client's, capped by the time left
        (``BatchTimeoutError`` once none is left)."""
        if self.deadline is None:
            return openai.NOT_GIVEN
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._timed_out() from self.last_failure
        limits = httpx.Timeout(client_timeout).as_dict()
        return httpx.Timeout(**{name: min(v or left, left) for name, v in limits.items()})

    def request_deadline(self) -> contextlib.AbstractContextManager[None]:
        """Status requests made inside end by the deadline, however slowly a server drips
        its answer (the package's guarded clients, ``core.transport.deadline_cap``)."""
        return contextlib.nullcontext() if self.deadline is None else deadline_cap(self.deadline)

    def after(self, state: BatchStatus) -> float | None:
        """Seconds to wait before the next poll, or ``None`` when the job is finished."""
        self.status = state.status
        self.failures, self.failing_since, self.last_failure = 0, None, None
        self._show(state)
        if state.done:
            return None
        now = time.monotonic()
        if self.deadline is not None and now >= self.deadline:
            raise self._timed_out()
        delay = self.next_delay
        if self.interval is None:
            self.next_delay = min(self.next_delay * BACKOFF, MAX_POLL)
        return self._until_deadline(delay, now)

    def after_failure(self, error: BaseException) -> float:
        """Seconds to wait before retrying a status request that failed with ``error`` (one
        that ``may_heal``); raises at the deadline, or after ``GIVE_UP_AFTER`` without one."""
        now = time.monotonic()
        self.failures += 1
        self.last_failure = error
        if self.failing_since is None:
            self.failing_since = now
        if self.deadline is not None and now >= self.deadline:
            raise self._timed_out() from error
        if self.deadline is None and now - self.failing_since >= GIVE_UP_AFTER:
            raise BatchStatusUnavailableError(
                self.job_id, self.failures, now - self.failing_since, _failure_name(error)
            ) from error
        advised = retry_after(error)
        if advised is None:
            doubled = min((self.interval or FIRST_POLL) * 2 ** min(self.failures - 1, 16), MAX_POLL)
            advised = doubled * random.uniform(0.5, 1.0)  # spread clients that failed together
        self._show_retry(error)
        return self._until_deadline(advised, now)

    def _until_deadline(self, delay: float, now: float) -> float:
        return delay if self.deadline is None else min(delay, max(self.deadline - now, 0.0))

    def _timed_out(self) -> BatchTimeoutError:
        error = self.last_failure
        return BatchTimeoutError(
            self.job_id,
            self.timeout or 0.0,
            self.status,
            last_error=None if error is None else _failure_name(error),
        )

    def _show(self, state: BatchStatus) -> None:
        """Draw ``state`` (the final one is drawn once, by ``close``). The rate counts the
        requests done since the first status seen, over the wall time since then."""
        if not self.progress:
            return
        done = state.completed + state.failed
        bar = self._bar(state.total)
        if self.first_done is None:
            self.first_done = bar.initial = done  # tqdm's rate: (n - initial) / elapsed
        if state.total and bar.total != state.total:
            bar.total = state.total
        bar.n = done
        bar.set_postfix({"failed": state.failed, "status": state.status}, refresh=not state.done)

    def _show_retry(self, error: BaseException) -> None:
        if not self.progress:
            return
        self._bar(0).set_postfix_str(
            f"status={self.status or 'unknown'}, retrying after {_failure_name(error)} "
            f"({self.failures} in a row)"
        )

    def _bar(self, total: int) -> Any:
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total or None, unit="req", desc=f"batch {self.job_id[:40]}")
        return self.bar

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
