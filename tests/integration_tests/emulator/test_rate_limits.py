"""The emulator enforces rate limits when asked, as kluster.ai does: per API key and model,
429 with ``Retry-After`` past the requests per minute or the requests at once; through
``set_rate_limits`` (the fixture), the control API and the command line."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import httpx
import openai
import pytest

from kluster_integrations.core.contract import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDING_MODEL,
    TIER_LIMITS,
)
from kluster_integrations.core.errors import InvalidRateLimitError
from kluster_integrations.emulator import RateLimited, batch_store
from kluster_integrations.emulator._server import KlusterEmulator
from tests.integration_tests.emulator.test_running import free_port

HELLO = [{"role": "user", "content": "hi"}]
OTHER_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"


def client(emulator: KlusterEmulator, key: str = "key-a") -> openai.OpenAI:
    return openai.OpenAI(base_url=emulator.base_url, api_key=key, max_retries=0)


def chat(emulator: KlusterEmulator, key: str = "key-a", model: str = DEFAULT_CHAT_MODEL):
    return client(emulator, key).chat.completions.create(model=model, messages=HELLO)


def test_requests_per_minute_are_counted_per_key_and_model(kluster_emulator):
    kluster_emulator.set_rate_limits(requests_per_minute=3)
    for _ in range(3):
        chat(kluster_emulator)
    with pytest.raises(openai.RateLimitError) as caught:
        chat(kluster_emulator)
    answer = caught.value.response
    assert 1 <= int(answer.headers["retry-after"]) <= 60
    assert caught.value.body["type"] == "rate_limit_error"
    chat(kluster_emulator, key="key-b")  # another account
    chat(kluster_emulator, model=OTHER_MODEL)  # another model
    assert kluster_emulator.rate_limited() == [
        RateLimited(DEFAULT_CHAT_MODEL, "requests_per_minute", int(answer.headers["retry-after"]))
    ]
    # Every request was logged, the refused one too.
    assert len(kluster_emulator.chat_requests()) == 6


def test_requests_at_once_are_counted_until_the_answer_is_sent(kluster_emulator):
    kluster_emulator.set_rate_limits(max_concurrent=2)
    kluster_emulator.settings.latency = 0.5
    async_client = openai.AsyncOpenAI(
        base_url=kluster_emulator.base_url, api_key="key-a", max_retries=0
    )

    async def three_at_once() -> list[object]:
        calls = [
            async_client.chat.completions.create(model=DEFAULT_CHAT_MODEL, messages=HELLO)
            for _ in range(3)
        ]
        return await asyncio.gather(*calls, return_exceptions=True)

    answers = asyncio.run(three_at_once())
    refused = [a for a in answers if isinstance(a, openai.RateLimitError)]
    assert len(refused) == 1
    assert refused[0].response.headers["retry-after"] == "1"
    assert sorted(r.in_flight for r in kluster_emulator.requests) == [1, 2, 3]
    kluster_emulator.settings.latency = 0.0
    chat(kluster_emulator)  # the answers were sent: nothing is in flight any more
    assert kluster_emulator.requests[-1].in_flight == 1


def test_a_stream_is_in_flight_until_its_last_chunk(kluster_emulator):
    kluster_emulator.set_rate_limits(max_concurrent=1)
    kluster_emulator.settings.chunk_delay = 0.1
    kluster_emulator.queue_replies("a reply of quite a few words, sent one chunk at a time")
    stream = client(kluster_emulator).chat.completions.create(
        model=DEFAULT_CHAT_MODEL, messages=HELLO, stream=True
    )
    first = next(iter(stream))
    assert first is not None
    with pytest.raises(openai.RateLimitError):
        chat(kluster_emulator)
    list(stream)
    chat(kluster_emulator)


def test_a_tier_sets_its_published_figures_and_the_batch_cap(kluster_emulator):
    kluster_emulator.set_rate_limits(tier="trial")
    trial = TIER_LIMITS["trial"]
    assert kluster_emulator.settings.requests_per_minute == trial.requests_per_minute
    assert kluster_emulator.settings.max_concurrent == trial.concurrent_requests
    assert batch_store(kluster_emulator.state).max_requests_per_batch == trial.max_batch_requests
    kluster_emulator.set_rate_limits()
    assert kluster_emulator.settings.requests_per_minute is None
    assert batch_store(kluster_emulator.state).max_requests_per_batch is None


def test_the_extended_model_list_states_the_limits_while_they_are_set(kluster_emulator):
    listing = client(kluster_emulator).models.with_raw_response.list(
        extra_query={"extended": "true"}
    )
    assert all("limits" not in entry for entry in listing.http_response.json()["data"])
    kluster_emulator.set_rate_limits(requests_per_minute=600, max_concurrent=5)
    for extended in (True, False):
        query = {"extended": "true"} if extended else None
        answer = client(kluster_emulator).models.with_raw_response.list(extra_query=query)
        entries = answer.http_response.json()["data"]
        if extended:
            assert {str(e["limits"]) for e in entries} == {
                str(
                    {
                        "concurrent_requests": 5,
                        "request_limit": 600,
                        "request_limit_time_unit": "minute",
                    }
                )
            }
        else:
            assert all("limits" not in entry for entry in entries)


def test_embeddings_are_limited_too(kluster_emulator):
    kluster_emulator.set_rate_limits(requests_per_minute=1)
    embeddings = client(kluster_emulator).embeddings
    embeddings.create(model=DEFAULT_EMBEDDING_MODEL, input=["a"])
    with pytest.raises(openai.RateLimitError):
        embeddings.create(model=DEFAULT_EMBEDDING_MODEL, input=["a"])


def test_batch_lines_are_not_rate_limited(kluster_batches, kluster_env):
    kluster_env.set_rate_limits(requests_per_minute=2, max_concurrent=1)
    from kluster_integrations.core.batch_api import submit_requests

    bodies = ({"model": DEFAULT_CHAT_MODEL, "messages": HELLO} for _ in range(5))
    job = submit_requests(client(kluster_env), bodies)
    job.wait(poll_interval=0.01, timeout=30, progress=False)
    assert len(job.results()) == 5
    assert kluster_env.rate_limited() == []


def test_bad_limits_are_refused_with_the_field_named(kluster_emulator):
    with pytest.raises(InvalidRateLimitError, match="requests_per_minute"):
        kluster_emulator.set_rate_limits(requests_per_minute=0)
    with pytest.raises(InvalidRateLimitError, match="tier"):
        kluster_emulator.set_rate_limits(tier="gold")


def test_control_api_and_command_line_set_the_limits():
    port = free_port()
    command = [sys.executable, "-m", "kluster_integrations.emulator", "--port", str(port)]
    command += ["--requests-per-minute", "2", "--max-concurrent", "4"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/v1/models", timeout=0.5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        sdk = openai.OpenAI(base_url=f"{base}/v1", api_key="k", max_retries=0)
        for _ in range(2):
            sdk.chat.completions.create(model=DEFAULT_CHAT_MODEL, messages=HELLO)
        with pytest.raises(openai.RateLimitError):
            sdk.chat.completions.create(model=DEFAULT_CHAT_MODEL, messages=HELLO)
        given = httpx.get(f"{base}/_emulator/rate_limited").json()
        assert [(g["model"], g["limit"]) for g in given] == [
            (DEFAULT_CHAT_MODEL, "requests_per_minute")
        ]
        answer = httpx.post(f"{base}/_emulator/rate_limits", json={"tier": "scale"})
        assert answer.json() == {
            "requests_per_minute": TIER_LIMITS["scale"].requests_per_minute,
            "max_concurrent": TIER_LIMITS["scale"].concurrent_requests,
            "window": "sliding",
        }
        sdk.chat.completions.create(model=DEFAULT_CHAT_MODEL, messages=HELLO)
        refused = httpx.post(f"{base}/_emulator/rate_limits", json={"max_concurrent": -1})
        assert refused.status_code == 400 and "max_concurrent=-1" in refused.text
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_model_list_is_not_rate_limited(kluster_emulator):
    kluster_emulator.set_rate_limits(requests_per_minute=1, max_concurrent=1)
    for _ in range(3):
        client(kluster_emulator).models.list()
    assert kluster_emulator.rate_limited() == []
    assert [r.in_flight for r in kluster_emulator.requests] == [None] * 3
