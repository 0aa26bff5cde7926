"""One status for a job of several batches, including a status the contract does not list
(kluster.ai may add one): it counts as still running rather than crashing ``status()``."""

from __future__ import annotations

from types import SimpleNamespace

from kluster_integrations.core.batch_api._status import combined_status


def batch(status: str, total: int = 2, completed: int = 1) -> SimpleNamespace:
    counts = SimpleNamespace(total=total, completed=completed, failed=0)
    return SimpleNamespace(status=status, request_counts=counts)


def test_least_advanced_while_any_runs_else_the_worst() -> None:
    assert combined_status([batch("completed"), batch("in_progress")]).status == "in_progress"
    assert combined_status([batch("completed"), batch("failed")]).status == "failed"
    assert combined_status([batch("completed"), batch("completed")]).done


def test_a_status_kluster_adds_later_counts_as_running() -> None:
    status = combined_status([batch("completed"), batch("pre_schedule")])
    assert status.status == "pre_schedule"
    assert not status.done
    assert (status.total, status.completed) == (4, 2)
