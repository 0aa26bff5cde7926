"""``wait(timeout=)`` bounds the whole wait, and polling rides out rate limits and server errors.

The emulator answers ``GET /v1/batches/{id}`` with the faults (a request that hangs, runs of
429 or 503); the request log shows each poll. The only clock readings are generous bounds.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import openai
import pytest

from kluster_integrations.core.batch_api import KlusterBatch
from kluster_integrations.core.batch_api import _polling as polling
from kluster_integrations.core.errors import (
    BatchNotFoundError,
    BatchStatusUnavailableError,
    BatchTimeoutError,
    DeadlineExceededError,
)
from kluster_integrations.emulator._batches import BATCHES_PATH
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster

WAYS = ["wait", "async_wait"]
FAST = 0.01


def wait(job: KlusterBatch, way: str, **options: Any) -> Any:
    """``job.wait(**options)``, or ``job.async_wait`` in an event loop of its own."""
    if way == "wait":
        return job.wait(**options)
    return asyncio.run(job.async_wait(**options))


def status_requests(emulator: KlusterEmulator) -> list[Any]:
    return [r for r in emulator.requests if r.method == "GET" and r.path == BATCHES_PATH]


def submitted(emulator: KlusterEmulator) -> KlusterBatch:
    job = ChatKluster().submit_batch(["one", "two"])
    emulator.reset()  # the log and the faults start with the first poll
    return job


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    ("fault", "timeout", "named", "cause"),
    [
        ({"delay": 20.0}, 2, "a timeout", openai.APITimeoutError),
        ({"status": 429}, 1, "HTTP 429", openai.RateLimitError),
        ({"answer": "drip_batch"}, 2, "a timeout", DeadlineExceededError),
    ],
    ids=["hanging", "429s", "dripped"],
)
def test_failing_status_requests_do_not_outlive_the_timeout(
    way: str,
    fault: dict[str, Any],
    timeout: float,
    named: str,
    cause: type[Exception],
    kluster_env: KlusterEmulator,
    kluster_batches: Any,
) -> None:
    job = submitted(kluster_env)
    kluster_env.add_fault(**fault, path=BATCHES_PATH, times=10_000)
    started = time.monotonic()
    with pytest.raises(BatchTimeoutError) as caught:
        wait(job, way, poll_interval=FAST, timeout=timeout, progress=False)
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert "has no known status" in message and named in message and job.id in message
    assert isinstance(caught.value.__cause__, cause)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    ("status", "advised"), [(429, None), (429, 0.2), (503, None)], ids=["429", "429-ra", "503"]
)
def test_a_run_of_five_errors_is_ridden_out(
    way: str, status: int, advised: float | None, kluster_env: KlusterEmulator, kluster_batches: Any
) -> None:
    job = submitted(kluster_env)
    kluster_env.add_fault(status=status, retry_after=advised, path=BATCHES_PATH, times=5)
    started = time.monotonic()
    assert wait(job, way, poll_interval=FAST, progress=False).status == "completed"
    if advised is not None:
        assert time.monotonic() - started >= 5 * advised
    polls = status_requests(kluster_env)
    assert len(polls) >= 6
    # each retry is a poll of its own: the openai SDK's retries are off while polling
    assert {r.headers.get("x-stainless-retry-count") for r in polls} == {"0"}


@pytest.mark.parametrize("way", WAYS)
def test_the_progress_bar_says_it_is_retrying(
    way: str,
    kluster_env: KlusterEmulator,
    kluster_batches: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    job = submitted(kluster_env)
    kluster_env.add_fault(status=429, path=BATCHES_PATH, times=3)
    assert wait(job, way, poll_interval=FAST, timeout=60).status == "completed"
    bar = capsys.readouterr().err
    assert "retrying after HTTP 429 (1 in a row)" in bar
    assert "retrying after HTTP 429 (3 in a row)" in bar
    assert "2/2" in bar


@pytest.mark.parametrize("way", WAYS)
def test_without_a_timeout_a_long_run_of_failures_gives_up_with_the_job_id(
    way: str,
    kluster_env: KlusterEmulator,
    kluster_batches: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(polling, "GIVE_UP_AFTER", 0.5)
    job = submitted(kluster_env)
    kluster_env.add_fault(status=503, path=BATCHES_PATH, times=10_000)
    with pytest.raises(BatchStatusUnavailableError) as caught:
        wait(job, way, poll_interval=FAST, progress=False)
    error = caught.value
    assert f"get_batch({job.id!r})" in str(error) and "may still be running" in str(error)
    assert "HTTP 503" in str(error) and error.failures == len(status_requests(kluster_env))
    assert isinstance(error, openai.OpenAIError) and isinstance(error, TimeoutError)
    assert isinstance(error.__cause__, openai.InternalServerError)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    ("status", "raised"),
    [(401, openai.AuthenticationError), (404, BatchNotFoundError)],
    ids=["401", "404"],
)
def test_errors_that_will_not_heal_end_the_wait_at_once(
    way: str,
    status: int,
    raised: type[Exception],
    kluster_env: KlusterEmulator,
    kluster_batches: Any,
) -> None:
    job = submitted(kluster_env)
    kluster_env.add_fault(status=status, path=BATCHES_PATH, times=1_000)
    with pytest.raises(raised):
        wait(job, way, poll_interval=FAST, timeout=3, progress=False)
    assert len(status_requests(kluster_env)) == 1
