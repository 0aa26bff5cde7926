"""The poller's retry rules without a server: which failures heal, the advised and backed-off
waits, and each status request's timeout capped by the time left."""

from __future__ import annotations

import email.utils
import time

import httpx
import openai
import pytest

from kluster_integrations.core.batch_api._polling import MAX_POLL, Poller, may_heal, retry_after
from kluster_integrations.core.errors import BatchTimeoutError

REQUEST = httpx.Request("GET", "https://api.kluster.ai/v1/batches/batch_1")


def status_error(status: int, **headers: str) -> openai.APIStatusError:
    response = httpx.Response(status, headers=headers, request=REQUEST)
    return openai.APIStatusError(f"HTTP {status}", response=response, body=None)


def test_rate_limits_server_errors_and_network_failures_heal_the_rest_do_not():
    healing = [status_error(s) for s in (408, 409, 429, 500, 502, 503)]
    healing += [openai.APITimeoutError(REQUEST), openai.APIConnectionError(request=REQUEST)]
    assert all(may_heal(e) for e in healing)
    lasting = [status_error(s) for s in (400, 401, 403, 404, 422)]
    assert not any(may_heal(e) for e in lasting)
    assert not may_heal(ValueError("no"))


def test_retry_after_in_seconds_milliseconds_or_a_date_within_the_limit():
    in_ten = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert retry_after(status_error(429, **{"Retry-After": "2"})) == 2.0
    assert retry_after(status_error(429, **{"Retry-After": "0.5"})) == 0.5
    assert retry_after(status_error(429, **{"Retry-After-Ms": "250"})) == 0.25
    assert 8 < (retry_after(status_error(503, **{"Retry-After": in_ten})) or 0) <= 10
    for ignored in ("3600", "-1", "soon", "nan"):
        assert retry_after(status_error(429, **{"Retry-After": ignored})) is None
    assert retry_after(status_error(429)) is None
    assert retry_after(openai.APITimeoutError(REQUEST)) is None


def test_failures_back_off_from_the_poll_interval_to_thirty_seconds():
    poller = Poller("job", 0.5, None, progress=False)
    delays = [poller.after_failure(status_error(503)) for _ in range(10)]
    for number, delay in enumerate(delays):
        full = min(0.5 * 2**number, MAX_POLL)
        assert full / 2 <= delay <= full
    assert poller.failures == 10
    assert poller.after_failure(status_error(429, **{"Retry-After": "7"})) == 7.0


def test_each_status_request_waits_at_most_the_time_left():
    assert Poller("job", None, None, progress=False).request_timeout(300.0) is openai.NOT_GIVEN
    poller = Poller("job", None, 100.0, progress=False)
    capped = poller.request_timeout(httpx.Timeout(300.0, connect=1.0))
    assert capped.connect == 1.0
    assert all(90 < left <= 100 for left in (capped.read, capped.write, capped.pool))
    assert 90 < poller.request_timeout(None).read <= 100
    poller.after_failure(status_error(503))
    poller.deadline = time.monotonic()  # no time left
    with pytest.raises(BatchTimeoutError, match=r"has no known status.*failed with HTTP 503"):
        poller.request_timeout(300.0)
