"""Fault injection, observed through the openai SDK's own retry and error handling."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.emulator._state import Fault

HELLO = [{"role": "user", "content": "hi"}]


def client_for(emulator, **options):
    return openai.OpenAI(base_url=emulator.base_url, api_key="k", **options)


def test_429_carries_retry_after_and_is_retried(kluster_emulator):
    kluster_emulator.add_fault(status=429, retry_after=0.1)
    with pytest.raises(openai.RateLimitError) as info:
        client_for(kluster_emulator, max_retries=0).chat.completions.create(
            model=DEFAULT_CHAT_MODEL, messages=HELLO
        )
    assert info.value.response.headers["retry-after"] == "0.1"

    kluster_emulator.add_fault(status=429, retry_after=0.1)
    reply = client_for(kluster_emulator, max_retries=1).chat.completions.create(
        model=DEFAULT_CHAT_MODEL, messages=HELLO
    )
    assert reply.choices[0].message.content
    assert len(kluster_emulator.chat_requests()) == 3


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_until_retries_run_out(kluster_emulator, status):
    kluster_emulator.add_fault(status=status, times=5)
    with pytest.raises(openai.InternalServerError):
        client_for(kluster_emulator, max_retries=2).chat.completions.create(
            model=DEFAULT_CHAT_MODEL, messages=HELLO
        )
    assert len(kluster_emulator.chat_requests()) == 3


def test_faults_are_limited_to_their_path(kluster_emulator):
    kluster_emulator.add_fault(Fault(status=500, path="/v1/embeddings"))
    client = client_for(kluster_emulator, max_retries=0)
    client.chat.completions.create(model=DEFAULT_CHAT_MODEL, messages=HELLO)
    with pytest.raises(openai.InternalServerError):
        client.embeddings.create(model="BAAI/bge-m3", input="x")


def test_delay_triggers_client_timeout(kluster_emulator):
    kluster_emulator.add_fault(delay=2.0)
    with pytest.raises(openai.APITimeoutError):
        client_for(kluster_emulator, max_retries=0, timeout=0.2).chat.completions.create(
            model=DEFAULT_CHAT_MODEL, messages=HELLO
        )


def test_aborted_stream_raises_in_the_client(kluster_emulator):
    kluster_emulator.queue_replies("one two three four")
    kluster_emulator.add_fault(cut_after_chunks=2)
    stream = client_for(kluster_emulator, max_retries=0).chat.completions.create(
        model=DEFAULT_CHAT_MODEL, messages=HELLO, stream=True
    )
    received = []
    with pytest.raises(httpx.RemoteProtocolError):
        for chunk in stream:
            received.append(chunk.choices[0].delta.content)
    assert "".join(filter(None, received)) == "one two"


def test_truncated_stream_ends_without_finish_reason(kluster_emulator):
    kluster_emulator.queue_replies("one two three four")
    kluster_emulator.add_fault(cut_after_chunks=1, cut_mode="truncate")
    chunks = list(
        client_for(kluster_emulator, max_retries=0).chat.completions.create(
            model=DEFAULT_CHAT_MODEL, messages=HELLO, stream=True
        )
    )
    assert all(c.choices[0].finish_reason is None for c in chunks)


def test_retry_after_zero_is_still_sent(kluster_emulator):
    kluster_emulator.add_fault(status=429, retry_after=0)
    with pytest.raises(openai.RateLimitError) as info:
        client_for(kluster_emulator, max_retries=0).chat.completions.create(
            model=DEFAULT_CHAT_MODEL, messages=HELLO
        )
    assert info.value.response.headers["retry-after"] == "0"


def test_kluster_recorded_error_body_can_be_replayed(kluster_emulator):
    recorded = {
        "error": {
            "message": "Unexpected error occurred",
            "errorCode": 4000,
            "type": "invalid_request_error",
        }
    }
    kluster_emulator.add_fault(status=500, body=recorded)
    with pytest.raises(openai.InternalServerError) as info:
        client_for(kluster_emulator, max_retries=0).chat.completions.create(
            model=DEFAULT_CHAT_MODEL, messages=HELLO
        )
    assert info.value.body["errorCode"] == 4000


@pytest.mark.parametrize(
    ("status", "error"), [(401, openai.AuthenticationError), (400, openai.BadRequestError)]
)
def test_client_error_faults_have_fitting_types(kluster_emulator, status, error):
    kluster_emulator.add_fault(status=status)
    with pytest.raises(error) as info:
        client_for(kluster_emulator, max_retries=0).chat.completions.create(
            model=DEFAULT_CHAT_MODEL, messages=HELLO
        )
    assert info.value.body["type"] != "server_error"


def test_malformed_body_reaches_the_sdk_as_bad_json(kluster_emulator):
    kluster_emulator.add_fault(malformed=True)
    with pytest.raises(json.JSONDecodeError):
        client_for(kluster_emulator, max_retries=0).chat.completions.create(
            model=DEFAULT_CHAT_MODEL, messages=HELLO
        )


def test_latency_setting_applies_to_every_request(kluster_emulator):
    kluster_emulator.settings.latency = 1.0
    with pytest.raises(openai.APITimeoutError):
        client_for(kluster_emulator, max_retries=0, timeout=0.1).models.list()
