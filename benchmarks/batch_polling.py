"""How closely ``KlusterBatch.wait(timeout=)`` keeps its bound, and what riding out errors costs.

Run ``PYTHONPATH=. .venv/bin/python benchmarks/batch_polling.py`` (from a worktree, so that
the package of this checkout is measured). The emulator runs in a separate process
and gets its faults through the control API:

1. every status request hangs (answered after 8 s, longer than any ``T``): time from
   ``wait(timeout=T)`` to its ``BatchTimeoutError``, and the overshoot past ``T``, sync and
   async;
2. every status request gets a 429 (no ``Retry-After``): the same, with the number of polls;
3. five 429s with ``Retry-After: 0.2`` then a normal answer: time to completion (at least
   1 s when the advice is followed) and polls.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

import httpx
from run import KEY, MODEL, emulator_process, table

from kluster_integrations.core.batch_api import KlusterBatch
from kluster_integrations.core.errors import BatchTimeoutError
from kluster_integrations.langchain.chat_models import ChatKluster

BATCHES = "/v1/batches"


def control(base_url: str, what: str, body: dict[str, Any] | None = None) -> Any:
    """POST to the emulator's control API (``control.py``)."""
    answer = httpx.post(f"{base_url.removesuffix('/v1')}/_emulator/{what}", json=body or {})
    return answer.raise_for_status().json()


def polls(base_url: str) -> int:
    log = httpx.get(f"{base_url.removesuffix('/v1')}/_emulator/requests").json()
    return sum(1 for r in log if r["method"] == "GET" and r["path"] == BATCHES)


def timed_wait(job: KlusterBatch, way: str, **options: Any) -> tuple[float, str]:
    """Seconds ``wait`` took, and how it ended."""
    started = time.perf_counter()
    try:
        if way == "sync":
            job.wait(progress=False, **options)
        else:
            asyncio.run(job.async_wait(progress=False, **options))
        ended = "completed"
    except BatchTimeoutError as error:
        ended = f"BatchTimeoutError ({error.last_error})"
    return time.perf_counter() - started, ended


def scenario(
    llm: ChatKluster, base_url: str, fault: dict[str, Any], way: str, timeout: float
) -> tuple[str, ...]:
    """Submit a job, add ``fault`` to its status requests, wait; one row of the table."""
    control(base_url, "reset")  # also ends the previous scenario's fault
    job = llm.submit_batch(["a", "b"])
    control(base_url, "faults", {"faults": [{**fault, "path": BATCHES}]})
    seconds, ended = timed_wait(job, way, timeout=timeout, poll_interval=0.05)
    past = f"{seconds - timeout:+.2f}" if ended != "completed" else "-"
    return (way, f"{timeout:g}", f"{seconds:.2f}", past, str(polls(base_url)), ended)


def main() -> None:
    os.environ.pop("KLUSTER_API_KEY", None)
    print("# Batch polling: the timeout bound and retries")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    cases = [
        ("every status request hangs", {"delay": 8.0, "times": 10**6}, timeout)
        for timeout in (1.0, 2.0, 5.0)
    ]
    cases += [
        ("every status request gets 429", {"status": 429, "times": 10**6}, timeout)
        for timeout in (1.0, 2.0, 5.0)
    ]
    cases.append(
        ("five 429s, Retry-After 0.2", {"status": 429, "retry_after": 0.2, "times": 5}, 30)
    )
    rows = []
    with emulator_process() as base_url:
        llm = ChatKluster(model=MODEL, base_url=base_url, api_key=KEY)
        for label, fault, timeout in cases:
            for way in ("sync", "async"):
                rows.append((label, *scenario(llm, base_url, fault, way, timeout)))
    table(
        "wait(timeout=T) against a failing status endpoint (poll_interval=0.05)",
        rows,
        ("status endpoint", "wait", "T (s)", "took (s)", "past T (s)", "polls", "ended"),
    )


if __name__ == "__main__":
    main()
