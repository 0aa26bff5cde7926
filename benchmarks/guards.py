"""What the answer guards (``core.transport``) cost per call, at the httpx level, no network.

Run ``.venv/bin/python benchmarks/guards.py`` (``--quick`` for a smoke run). Each case reads
one canned answer through an ``httpx.Client`` whose transport yields the body in the pieces
shown, once bare and once wrapped in ``GuardedTransport``; the figure is the best of
interleaved rounds, in µs per answer, and the difference is what the guards add.

Cases: a short chat completion in one piece (every non-streamed call); a stream of 100
events of about 150 bytes, one event per read (a streamed answer), and the same stream
in 64-byte reads (events split across reads); a 1 MB JSON body of random words,
gzip-compressed, and the same body zstd-compressed (never asked for, but decoded when sent:
in small slices, so that a bomb cannot grow past the cap in one step).

Run it from the checkout whose package you mean to measure, with that checkout first on
the path (``PYTHONPATH=. python benchmarks/guards.py``): a script's own folder, not the
working directory, is what Python puts on the path.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import time
import timeit
from collections.abc import Iterator

import httpx

from kluster_integrations.core.transport import GuardedTransport, GuardOptions

try:
    import zstandard
except ImportError:  # optional: the zstd case is left out
    zstandard = None  # type: ignore[assignment]

COMPLETION = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1764000000,
        "model": "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "Benchmarks turn speed into numbers."},
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 14, "total_tokens": 26},
    }
).encode()
EVENT = (
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764000000,'
    b'"choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}]}\n\n'
)
STREAM_EVENTS = 100
_WORDS = [b"kluster", b"batch", b"model", b"token", b"stream", b"answer", b"guard", b"cap"]
BIG_JSON = (
    b'{"text": "' + b" ".join(random.Random(0).choices(_WORDS, k=170_000))[: 1_000_000 - 12] + b'"}'
)


class _Canned(httpx.BaseTransport):
    """Answers every request with ``body`` in ``pieces`` (as a connection's reads)."""

    def __init__(self, pieces: list[bytes], headers: list[tuple[bytes, bytes]]) -> None:
        self._pieces = pieces
        self._headers = headers

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pieces = self._pieces

        class Body(httpx.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                yield from pieces

        return httpx.Response(200, headers=self._headers, stream=Body())


def _split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


CASES: dict[str, tuple[list[bytes], str, bytes | None]] = {
    "chat completion, one read": ([COMPLETION], "application/json", None),
    "stream, one event per read": ([EVENT] * STREAM_EVENTS, "text/event-stream", None),
    "stream, 64-byte reads": (_split(EVENT * STREAM_EVENTS, 64), "text/event-stream", None),
    "1 MB JSON, gzip": (_split(gzip.compress(BIG_JSON), 16_384), "application/json", b"gzip"),
}
if zstandard is not None:
    CASES["1 MB JSON, zstd"] = (
        _split(zstandard.ZstdCompressor().compress(BIG_JSON), 16_384),
        "application/json",
        b"zstd",
    )


def _client(case: str, guarded: bool) -> httpx.Client:
    pieces, content_type, encoding = CASES[case]
    headers = [(b"content-type", content_type.encode())]
    if encoding:
        headers.append((b"content-encoding", encoding))
    transport: httpx.BaseTransport = _Canned(pieces, headers)
    if guarded:
        transport = GuardedTransport(transport, GuardOptions())
    return httpx.Client(transport=transport)


def _per_answer(client: httpx.Client, number: int) -> float:
    def one() -> None:
        with client.stream("GET", "https://kluster.test/v1/x") as response:
            for _ in response.iter_bytes():
                pass

    return min(timeit.repeat(one, number=number, repeat=3, timer=time.process_time)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    rounds = 2 if parser.parse_args().quick else 6
    print("| answer | bare httpx µs | guarded µs | guards add µs |")
    print("|---|---|---|---|")
    for case in CASES:
        number = 10 if "1 MB" in case else 300
        clients: dict[bool, httpx.Client] = {g: _client(case, g) for g in (False, True)}
        best: dict[bool, float] = dict.fromkeys(clients, float("inf"))
        for r in range(rounds):
            for guarded in [False, True] if r % 2 else [True, False]:
                best[guarded] = min(best[guarded], _per_answer(clients[guarded], number))
        print(
            f"| {case} | {best[False]:.1f} | {best[True]:.1f} | {best[True] - best[False]:+.1f} |"
        )


if __name__ == "__main__":
    main()
