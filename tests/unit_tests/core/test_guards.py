"""The answer guards at the httpx level, with bodies that arrive in one piece (the emulator
tests in tests/reliability cover the adapters; here the edge cases of reading)."""

from __future__ import annotations

import gzip
import importlib
import importlib.util
import json
import sys
import time
import tracemalloc
from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import openai
import pytest

from kluster_integrations.core.errors import (
    DeadlineExceededError,
    MalformedResponseError,
    ResponseTooLargeError,
    StreamIdleTimeoutError,
    UnsupportedContentEncodingError,
)
from kluster_integrations.core.transport import (
    PIECE,
    GuardedTransport,
    GuardOptions,
    content_decoder,
    optional_module,
)
from kluster_integrations.core.transport import _guards as guards
from kluster_integrations.emulator._hostile import bomb_body, encoded_body


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


def test_a_deadline_cap_caps_each_wait_of_a_call_without_a_deadline() -> None:
    client = recording_client(GuardOptions(), timeout=httpx.Timeout(300.0))
    with guards.deadline_cap(time.monotonic() + 2.0):
        timeouts = seen_by_the_server(client).extensions["timeout"]
    assert all(0 < value <= 2.0 for value in timeouts.values())


class _TickingStream(httpx.SyncByteStream):
    """An event every 50 ms, 40 in all: a stream that is never idle."""

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(40):
            time.sleep(0.05)
            yield b"data: {}\n\n"


def test_a_deadline_cap_ends_a_stream_read_after_its_block() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_TickingStream()
        )

    client = httpx.Client(transport=GuardedTransport(httpx.MockTransport(answer), GuardOptions()))
    with guards.deadline_cap(time.monotonic() + 0.2):
        response = client.send(client.build_request("GET", "http://kluster.test/v1/x"), stream=True)
    with pytest.raises(DeadlineExceededError):
        response.read()


def test_only_encodings_the_guard_can_bound_are_asked_for() -> None:
    client = recording_client(GuardOptions(), headers={"Accept-Encoding": "br, zstd"})
    assert seen_by_the_server(client).headers["accept-encoding"] == "gzip, deflate"


# Content-Encoding chains: every decoded byte counts against the cap.

BOMB_BYTES = 50_000_000
BOMB_CAP = 100_000
HAS_ZSTANDARD = importlib.util.find_spec("zstandard") is not None
needs_zstandard = pytest.mark.skipif(
    not HAS_ZSTANDARD, reason="zstandard makes and decodes zstd (it comes with langsmith)"
)


def bounded_brotli() -> bool:
    """Whether brotli or brotlicffi of at least 1.2 (which can limit its output) is installed."""
    for name in ("brotli", "brotlicffi"):
        if importlib.util.find_spec(name) is not None:
            module = importlib.import_module(name)
            return hasattr(module.Decompressor, "can_accept_more_data")
    return False


def pieces_client(
    pieces: list[bytes],
    headers: list[tuple[str, str]],
    options: GuardOptions,
    clock: list[float] | None = None,
    step: float = 0.0,
) -> httpx.Client:
    """A client whose answer's body arrives in ``pieces``; with ``clock``, each piece moves
    the guards' clock on by ``step`` seconds before it arrives."""

    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for piece in pieces:
                if clock is not None:
                    clock[0] += step
                yield piece

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, stream=Body())

    return httpx.Client(transport=GuardedTransport(httpx.MockTransport(answer), options))


def read(client: httpx.Client) -> bytes:
    return client.get("http://kluster.test/v1/x").content


def traced_read(client: httpx.Client) -> tuple[int, Exception | None]:
    """Peak memory traced while ``client`` reads, and what the read raised."""
    tracemalloc.start()
    try:
        error: Exception | None = None
        try:
            read(client)
        except Exception as raised:
            error = raised
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, error


JSON = ("content-type", "application/json")
BOMBS = {
    "gzip, gzip": (("gzip", "gzip"), ["gzip, gzip"]),
    "gzip then identity": (("gzip",), ["gzip", "identity"]),
    "identity, gzip then gzip": (("gzip", "gzip"), ["identity, gzip", "gzip"]),
    "raw deflate": (("raw-deflate",), ["deflate"]),
    "zstd": (("zstd",), ["zstd"]),
}


def bomb_headers(name: str) -> tuple[bytes, list[tuple[str, str]]]:
    codings, values = BOMBS[name]
    if "zstd" in codings and not HAS_ZSTANDARD:
        pytest.skip("zstandard makes and decodes zstd (it comes with langsmith)")
    body = bomb_body(b"{", BOMB_BYTES, b"}", codings)
    return body, [JSON] + [("content-encoding", value) for value in values]


@pytest.mark.parametrize("name", BOMBS)
def test_bomb_stops_at_the_cap_whatever_the_chain(name: str) -> None:
    body, headers = bomb_headers(name)
    client = pieces_client([body], headers, GuardOptions(max_response_bytes=BOMB_CAP))
    with pytest.raises(ResponseTooLargeError, match="body"):
        read(client)


@pytest.mark.parametrize("name", BOMBS)
def test_bomb_is_read_in_bounded_memory(name: str) -> None:
    body, headers = bomb_headers(name)
    client = pieces_client([body], headers, GuardOptions(max_response_bytes=BOMB_CAP))
    peak, error = traced_read(client)
    assert peak < 10_000_000  # the decoded bomb is 50 MB
    assert isinstance(error, ResponseTooLargeError)


PLAIN = b'{"text": "' + b"kluster " * 20_000 + b'"}'
ENCODED = {
    "raw deflate": (("raw-deflate",), ["deflate"]),
    "zlib deflate": (("deflate",), ["deflate"]),
    "deflate then gzip, two headers": (("deflate", "gzip"), ["deflate", "gzip"]),
    "gzip, gzip": (("gzip", "gzip"), ["gzip, gzip"]),
    "x-gzip, upper case and spaces": (("gzip",), [" X-GZIP , identity"]),
    "zstd, two frames": (("zstd",), ["zstd"]),
}


@pytest.mark.parametrize("name", ENCODED)
@pytest.mark.parametrize("piece_size", [1, 7, 1_000_000])
def test_encoded_body_is_decoded_whole(name: str, piece_size: int) -> None:
    codings, values = ENCODED[name]
    if "zstd" in codings and not HAS_ZSTANDARD:
        pytest.skip("zstandard makes and decodes zstd (it comes with langsmith)")
    body = encoded_body([PLAIN], codings)
    if name.endswith("two frames"):
        body += encoded_body([b" "], codings)
    pieces = [body[i : i + piece_size] for i in range(0, len(body), piece_size)]
    headers = [JSON] + [("content-encoding", value) for value in values]
    response = pieces_client(pieces, headers, GuardOptions()).get("http://kluster.test/v1/x")
    assert response.content == PLAIN + (b" " if name.endswith("two frames") else b"")
    assert "content-encoding" not in response.headers


@pytest.mark.parametrize(
    ("values", "named"),
    [(["compress"], "'compress'"), (["gzip", "x-custom"], "'x-custom'")],
)
def test_unknown_encoding_is_refused_naming_it(values: list[str], named: str) -> None:
    headers = [JSON] + [("content-encoding", value) for value in values]
    client = pieces_client([b"{}"], headers, GuardOptions())
    with pytest.raises(UnsupportedContentEncodingError, match=named) as caught:
        read(client)
    assert isinstance(caught.value, openai.OpenAIError)


def test_long_chain_of_encodings_is_refused() -> None:
    body = encoded_body([b"{}"], ("gzip",) * 6)
    client = pieces_client(
        [body], [JSON, ("content-encoding", ", ".join(["gzip"] * 6))], GuardOptions()
    )
    with pytest.raises(UnsupportedContentEncodingError, match="6 encodings"):
        read(client)


def test_zstd_without_zstandard_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import zstandard fails
    optional_module.cache_clear()
    try:
        client = pieces_client([b"(zstd)"], [JSON, ("content-encoding", "zstd")], GuardOptions())
        with pytest.raises(UnsupportedContentEncodingError, match="zstandard"):
            read(client)
    finally:
        optional_module.cache_clear()


@pytest.mark.skipif(bounded_brotli(), reason="brotli >= 1.2 is installed: br is decoded")
def test_brotli_without_a_bounded_decoder_is_refused() -> None:
    client = pieces_client([b"(br)"], [JSON, ("content-encoding", "br")], GuardOptions())
    with pytest.raises(UnsupportedContentEncodingError, match=r"brotli>=1\.2"):
        read(client)


@pytest.mark.skipif(not bounded_brotli(), reason="needs brotli or brotlicffi >= 1.2")
def test_brotli_is_decoded_within_the_cap() -> None:
    headers = [JSON, ("content-encoding", "br")]
    body = encoded_body([PLAIN], ("br",))
    assert read(pieces_client([body[:5], body[5:]], headers, GuardOptions())) == PLAIN
    bomb = encoded_body([b" " * BOMB_BYTES], ("br",))
    client = pieces_client([bomb], headers, GuardOptions(max_response_bytes=BOMB_CAP))
    peak, error = traced_read(client)
    assert peak < 10_000_000  # the decoded bomb is 50 MB
    assert isinstance(error, ResponseTooLargeError)


SEVERAL_MB_JSON = json.dumps(
    [{"index": i, "text": "kluster " * (i % 9)} for i in range(60_000)]
).encode()


@pytest.mark.skipif(not bounded_brotli(), reason="needs brotli or brotlicffi >= 1.2")
@pytest.mark.parametrize("piece_size", [1, 7, 1000, None])
def test_brotli_body_of_several_mb_is_decoded_whole_in_bounded_pieces(
    piece_size: int | None,
) -> None:
    brotli = optional_module("brotli") or optional_module("brotlicffi")
    body = brotli.compress(SEVERAL_MB_JSON, quality=5)  # the default, 11, takes seconds
    size = piece_size or len(body)
    decoder = content_decoder(b"br", status=200)
    assert decoder is not None
    decoded = [
        piece
        for start in range(0, len(body), size)
        for piece in decoder.decode(body[start : start + size])
    ]
    decoded += decoder.finish()
    assert b"".join(decoded) == SEVERAL_MB_JSON
    assert max(map(len, decoded)) <= PIECE


def test_corrupt_gzip_is_an_httpx_decoding_error() -> None:
    client = pieces_client(
        [b"not gzip at all"], [JSON, ("content-encoding", "gzip")], GuardOptions()
    )
    with pytest.raises(httpx.DecodingError, match="gzip"):
        read(client)


# The idle clock: only a complete event carrying data is progress.

SSE = ("content-type", "text/event-stream")


def event(text: str, newline: str = "\n") -> bytes:
    return f'data: {{"text": "{text}"}}{newline}{newline}'.encode()


def one_byte_pieces(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The guards' clock, moved on by hand (``clock[0]`` is ``time.monotonic()``)."""
    now = [1_000.0]
    monkeypatch.setattr(guards, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return now


def test_comment_mentioning_data_is_not_progress(clock: list[float]) -> None:
    """``: no data: here`` every 0.5 s never resets a 3 s idle limit."""
    pieces = [event("Hel")] + [b": no data: here\n\n"] * 20
    client = pieces_client(pieces, [SSE], GuardOptions(stream_idle_timeout=3.0), clock, 0.5)
    with pytest.raises(StreamIdleTimeoutError):
        read(client)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_stream_one_byte_per_read_is_not_idle(clock: list[float], newline: str) -> None:
    """Events of about 20 bytes, 0.02 s a byte: each completes in 0.4 s, well within the
    1 s limit; the stream lasts about 8 s."""
    stream = b"".join(event(f"w{i}", newline) for i in range(20))
    pieces = one_byte_pieces(stream)
    client = pieces_client(pieces, [SSE], GuardOptions(stream_idle_timeout=1.0), clock, 0.02)
    assert read(client) == stream


def test_event_dripped_for_longer_than_the_limit_stops_the_stream(clock: list[float]) -> None:
    """The rule: each data event must complete within the idle limit of the one before."""
    pieces = [event("first"), *one_byte_pieces(event("x" * 200))]
    client = pieces_client(pieces, [SSE], GuardOptions(stream_idle_timeout=1.0), clock, 0.02)
    with pytest.raises(StreamIdleTimeoutError):
        read(client)


@pytest.mark.parametrize(
    ("lines", "progress"),
    [
        (b"data: {}\n\n", True),
        (b"data\n\n", True),  # the data field with an empty value
        (b"id: 1\ndata: {}\n: note\n\n", True),
        (b"event: ping\n\n", False),
        (b"datafoo: {}\n\n", False),
        (b": data: {}\n\n", False),
        (b"data: {}\n", False),  # not complete until its blank line
    ],
)
def test_what_counts_as_progress(clock: list[float], lines: bytes, progress: bool) -> None:
    """Five pieces 0.3 s apart, the limit 1 s: without progress, the fourth is too late."""
    options = GuardOptions(stream_idle_timeout=1.0)
    client = pieces_client([lines] * 5, [SSE], options, clock, 0.3)
    if progress:
        assert read(client) == lines * 5
    else:
        with pytest.raises(StreamIdleTimeoutError):
            read(client)
