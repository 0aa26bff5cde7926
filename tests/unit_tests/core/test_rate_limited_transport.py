"""The rate-limited transports: which account and model a request is, what an answer's
``Retry-After`` says, and a slot held from sending until the answer has been read, closed,
or dropped (no network: the answers come from ``httpx.MockTransport``)."""

from __future__ import annotations

import asyncio
import email.utils
import gc
import time

import httpx
import pytest

from kluster_integrations.core.rate_limits import (
    Declaration,
    account_of,
    rate_limit_settings,
    reset_rate_limits,
)
from kluster_integrations.core.transport import (
    AsyncRateLimitedTransport,
    GuardOptions,
    RateLimitedTransport,
    model_of,
    retry_after,
)

URL = "http://kluster.test/v1/chat/completions"
MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
KEY = "transport-key"


@pytest.fixture(autouse=True)
def _no_accounts():
    reset_rate_limits()
    yield
    reset_rate_limits()


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "9" * 400}, None),
        ({"retry-after": "inf"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_seconds(headers, seconds):
    assert retry_after(httpx.Headers(headers)) == seconds


def test_retry_after_may_be_a_date():
    in_ten = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8 <= retry_after(httpx.Headers({"retry-after": in_ten})) <= 10


@pytest.mark.parametrize(
    ("method", "content_type", "body", "model"),
    [
        ("POST", "application/json", b'{"model": "m", "messages": []}', "m"),
        ("POST", "application/json", b'{"messages": [{"content": "\\"model\\": \\"x\\""}]}', None),
        ("POST", "application/json", b"[1, 2]", None),
        ("POST", "application/json", b"{not json", None),
        ("POST", "multipart/form-data; boundary=x", b"--x--", None),
        ("GET", "application/json", b"", None),
    ],
)
def test_the_model_is_the_json_body_s(method, content_type, body, model):
    request = httpx.Request(method, URL, headers={"content-type": content_type}, content=body)
    assert model_of(request) == model


def limited_client(answer, **settings) -> httpx.Client:
    declaration = Declaration(rate_limit_settings(**settings))
    transport = RateLimitedTransport(httpx.MockTransport(answer), declaration, GuardOptions())
    client = httpx.Client(transport=transport, headers={"authorization": f"Bearer {KEY}"})
    client._kluster_declaration = declaration  # type: ignore[attr-defined]  # kept alive
    return client


def budget():
    return account_of(KEY, URL).budget(MODEL)


def send(client: httpx.Client, stream: bool = False):
    body = {"model": MODEL, "messages": []}
    if stream:
        return client.send(client.build_request("POST", URL, json=body), stream=True)
    return client.post(URL, json=body)


class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An answer body still to be read, as a real transport gives one."""

    def __iter__(self):
        yield b'{"ok": true}'

    async def __aiter__(self):
        yield b'{"ok": true}'


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "application/json"}, stream=Body())


def test_a_slot_is_held_until_the_answer_is_read():
    client = limited_client(ok, max_concurrent_requests=1)
    response = send(client, stream=True)
    assert budget().in_flight == 1
    response.read()
    assert budget().in_flight == 0
    send(client)
    assert budget().in_flight == 0


def test_a_slot_comes_back_when_the_answer_is_closed_unread_or_dropped():
    client = limited_client(ok, max_concurrent_requests=2)
    closed = send(client, stream=True)
    closed.close()
    assert budget().in_flight == 0
    dropped = send(client, stream=True)
    assert budget().in_flight == 1
    del dropped
    gc.collect()
    assert budget().in_flight == 0


def test_a_429_pauses_the_account_s_model_for_its_retry_after():
    def too_many(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "30"}, json={"error": {}})

    response = send(limited_client(too_many, requests_per_minute=100))
    assert response.status_code == 429
    assert 29 <= budget().paused_for <= 30
    assert account_of(KEY, URL).budget("another/model").paused_for == 0


def test_a_failed_send_gives_its_slot_back():
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route")

    with pytest.raises(httpx.ConnectError):
        send(limited_client(broken, max_concurrent_requests=1))
    assert budget().in_flight == 0


def test_without_limits_nothing_is_counted():
    client = limited_client(ok)
    send(client)
    assert not account_of(KEY, URL).is_limited


def test_requests_without_a_key_pass_untouched():
    declaration = Declaration(rate_limit_settings(max_concurrent_requests=1))
    transport = RateLimitedTransport(httpx.MockTransport(ok), declaration, GuardOptions())
    assert httpx.Client(transport=transport).post(URL, json={"model": MODEL}).status_code == 200


def test_the_async_transport_holds_and_gives_back_its_slot():
    declaration = Declaration(rate_limit_settings(max_concurrent_requests=1))

    async def answer(request: httpx.Request) -> httpx.Response:
        return ok(request)

    transport = AsyncRateLimitedTransport(httpx.MockTransport(answer), declaration, GuardOptions())

    async def twice() -> None:
        async with httpx.AsyncClient(
            transport=transport, headers={"authorization": f"Bearer {KEY}"}
        ) as client:
            request = client.build_request("POST", URL, json={"model": MODEL})
            response = await client.send(request, stream=True)
            assert budget().in_flight == 1
            await response.aread()
            assert budget().in_flight == 0
            await client.post(URL, json={"model": MODEL})

    asyncio.run(twice())
    assert budget().in_flight == 0


def test_after_the_accounts_are_forgotten_an_object_declares_its_limits_again():
    client = limited_client(ok, max_concurrent_requests=1)
    send(client)
    first = account_of(KEY, URL)
    reset_rate_limits()
    send(client)
    again = account_of(KEY, URL)
    assert again is not first
    assert again.limits_for(MODEL).concurrent == 1
