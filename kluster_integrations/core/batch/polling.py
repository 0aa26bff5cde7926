"""Polling a batch job: the delay between polls, the deadline, and the progress bar.

Example::

    poller = Poller(job_id, interval=None, timeout=600, progress=True)
    while (delay := poller.after(job.status())) is not None:
        time.sleep(delay)
    poller.close()
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from kluster_integrations.core.errors import BatchTimeoutError

if TYPE_CHECKING:
    from kluster_integrations.core.batch.job import BatchStatus

FIRST_POLL = 1.0
MAX_POLL = 30.0
BACKOFF = 1.5


class Poller:
    """Delays between polls (fixed, or backing off), the deadline, and the progress bar."""

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

    def after(self, state: BatchStatus) -> float | None:
        """Seconds to wait before the next poll, or ``None`` when the job is finished."""
        self._show(state)
        if state.done:
            return None
        now = time.monotonic()
        if self.deadline is not None and now >= self.deadline:
            raise BatchTimeoutError(self.job_id, self.timeout or 0.0, state.status)
        delay = self.next_delay
        if self.interval is None:
            self.next_delay = min(self.next_delay * BACKOFF, MAX_POLL)
        if self.deadline is not None:
            delay = min(delay, max(self.deadline - now, 0.0))
        return delay

    def _show(self, state: BatchStatus) -> None:
        if not self.progress:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=state.total or None, unit="req", desc=f"batch {self.job_id[:40]}")
        if state.total and self.bar.total != state.total:
            self.bar.total = state.total
        self.bar.n = state.completed + state.failed
        self.bar.set_postfix(status=state.status, failed=state.failed, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
