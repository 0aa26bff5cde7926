"""Where a batch job stands: ``BatchStatus``, one status combined over the job's batches.

Its own module so that the job (``job.py``) and the poller (``polling.py``) both import it
and neither imports the other.

Example::

    state = combined_status(client_batches)      # the retrieved openai ``Batch`` objects
    state.status, state.completed, state.total, state.done
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kluster_integrations.core.contract import BATCH_ACTIVE_STATUSES, BATCH_FINAL_STATUSES

_SEVERITY = ("failed", "expired", "cancelled", "completed")


@dataclass(frozen=True)
class BatchStatus:
    """Where a job stands: kluster's status (combined over its batches) and the counts."""

    status: str
    total: int
    completed: int
    failed: int
    batches: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def done(self) -> bool:
        return self.status in BATCH_FINAL_STATUSES


def combined_status(batches: Sequence[Any], known_total: int | None = None) -> BatchStatus:
    """One status for several batches: the least advanced while any runs, else the worst."""
    statuses = [batch.status for batch in batches]
    active = [s for s in BATCH_ACTIVE_STATUSES if s in statuses]
    unknown = [s for s in statuses if s not in BATCH_ACTIVE_STATUSES + BATCH_FINAL_STATUSES]
    if active or unknown:  # a status kluster.ai adds later counts as still running
        status = active[0] if active else unknown[0]
    else:
        status = next(s for s in _SEVERITY if s in statuses)
    counts = [batch.request_counts for batch in batches]
    total = sum(c.total for c in counts if c is not None)
    return BatchStatus(
        status=status,
        total=max(total, known_total or 0),
        completed=sum(c.completed for c in counts if c is not None),
        failed=sum(c.failed for c in counts if c is not None),
        batches=tuple(batches),
    )
