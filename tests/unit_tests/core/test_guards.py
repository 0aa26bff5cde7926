"""The answer guards at the httpx level, with bodies that arrive in one piece (the emulator
tests in tests/reliability cover the adapters; here the edge cases of reading)."""

from __future__ import annotations

import gzip

import httpx
import pytest

from kluster_integrations.core.errors import MalformedResponseError, ResponseTooLargeError
from kluster_integrations.core.guards import GuardedTransport, GuardOptions


def client_for(body: bytes, content_type: str, cap: int, **headers: str) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": content_type, **headers}, content=body)

    return httpx.Client(
        transport=GuardedTransport(
            httpx.MockTransport(answer), GuardOptions(max_response_bytes=cap)
        )
    )


def test_long_stream_line_arriving_in_one_piece_is_caught() -> None:
    body = b"data: {}\n\n" + b"data: " + b"x" * 500 + b"\n\ndata: [DONE]\n\n"
    with pytest.raises(ResponseTooLargeError, match="line"):
        client_for(body, "text/event-stream", cap=100).get("http://kluster.test/v1/x")


def test_many_short_lines_in_one_piece_pass() -> None:
    body = b"data: {}\n\n" * 100
    response = client_for(body, "text/event-stream", cap=100).get("http://kluster.test/v1/x")
    assert response.content == body


def test_gzip_body_is_decoded_whole_under_the_cap() -> None:
    body = b'{"text": "' + b"abc " * 250_000 + b'"}'
    response = client_for(
        gzip.compress(body), "application/json", cap=2 * len(body), **{"content-encoding": "gzip"}
    ).get("http://kluster.test/v1/x")
    assert response.content == body
    assert "content-encoding" not in response.headers


def test_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b" " * 10_000_000)
    with pytest.raises(ResponseTooLargeError, match="body"):
        client_for(bomb, "application/json", cap=1_000_000, **{"content-encoding": "gzip"}).get(
            "http://kluster.test/v1/x"
        )


def test_html_answer_is_malformed_with_key_masked() -> None:
    page = b"<html>Welcome, sk-secret-key! Please sign in.</html>"
    client = client_for(page, "text/html", cap=1_000)
    with pytest.raises(MalformedResponseError) as caught:
        client.get("http://kluster.test/v1/x", headers={"Authorization": "Bearer sk-secret-key"})
    assert "sk-secret-key" not in str(caught.value) and "Welcome, ***!" in str(caught.value)


def seen_by_the_server(client: httpx.Client, **request_options: object) -> httpx.Request:
    """The request as the transport under the guards received it."""
    client.get("http://kluster.test/v1/x", **request_options)  # type: ignore[arg-type]
    return SEEN[-1]


SEEN: list[httpx.Request] = []


def recording_client(options: GuardOptions, **client_options: object) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        SEEN.append(request)
        return httpx.Response(200, json={"ok": True})

    return httpx.Client(
        transport=GuardedTransport(httpx.MockTransport(answer), options),
        **client_options,  # type: ignore[arg-type]
    )


def test_each_wait_is_capped_at_the_time_left_before_the_deadline() -> None:
    client = recording_client(GuardOptions(deadline=2.0), timeout=httpx.Timeout(300.0))
    timeouts = seen_by_the_server(client).extensions["timeout"]
    assert set(timeouts) == {"connect", "read", "write", "pool"}
    assert all(0 < value <= 2.0 for value in timeouts.values())


def test_waits_shorter_than_the_time_left_are_kept() -> None:
    client = recording_client(GuardOptions(deadline=60.0), timeout=httpx.Timeout(5.0, read=None))
    timeouts = seen_by_the_server(client).extensions["timeout"]
    assert timeouts["connect"] == 5.0 and 55 < timeouts["read"] <= 60.0


def test_only_encodings_the_guard_can_bound_are_asked_for() -> None:
    client = recording_client(GuardOptions(), headers={"Accept-Encoding": "br, zstd"})
    assert seen_by_the_server(client).headers["accept-encoding"] == "gzip, deflate"
