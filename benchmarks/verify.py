"""What a Verify check costs in the client, side by side with the bare openai SDK.

Run ``PYTHONPATH=. .venv/bin/python benchmarks/verify.py`` from the checkout (``--quick`` for
a smoke run). Two setups: a canned answer in this process (a transport that streams a fixed
body, as ``run.py`` does), which shows client work only, without the network's noise; and the
emulator in a separate process (``run.py``'s ``emulator_process``), a whole local round trip:

- **stock**: ``openai.OpenAI.post("/verify/reliability", body=..., cast_to=object)``, the
  least a caller can write: no checks, the answer a dict;
- **kluster**: ``VerifyClient.verify``: the request checked (``verify_body``), sent through
  the answer guards (``GuardedTransport``), its answer read into a ``VerifyResult``.

The round trip is the lowest of per-round medians. Then the checks alone, without any call:
``verify_body`` for a short request and for a context near the check's window (about 400,000
characters), and ``read_verify_answer`` for an answer with ten search results. Each of these
rows is the best of rounds, in µs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import timeit
from collections.abc import Callable, Iterator

import httpx
import openai
from run import KEY, emulator_process  # benchmarks/run.py, beside this script

from kluster_integrations.core.contract import VERIFY_CONTEXT_WINDOW
from kluster_integrations.core.transport import GuardedTransport, GuardOptions
from kluster_integrations.core.verify import (
    CHARS_PER_TOKEN,
    VerifyClient,
    read_verify_answer,
    verify_body,
)

PROMPT = "How many requests per minute does the Trial tier allow?"
OUTPUT = "The Trial tier allows 30 requests per minute."
CONTEXT = "The Trial tier allows 30 requests per minute and 20 concurrent requests."
ANSWER = {
    "is_hallucination": False,
    "explanation": "The answer states the figure the context gives.",
    "usage": {"prompt_tokens": 267, "completion_tokens": 48, "total_tokens": 315},
    "search_results": [
        {"title": f"Result {n}", "snippet": "A snippet. " * 20, "link": f"https://x.test/{n}"}
        for n in range(10)
    ],
}


class CannedAnswer(httpx.BaseTransport):
    """Answers every request with ``ANSWER``, streamed, as a network transport would."""

    body = json.dumps(ANSWER).encode()

    class _Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield CannedAnswer.body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(
            200, headers=[(b"content-type", b"application/json")], stream=self._Body()
        )


def stock_call(base_url: str, transport: httpx.BaseTransport | None) -> Callable[[], object]:
    client = openai.OpenAI(
        base_url=base_url,
        api_key=KEY,
        max_retries=0,
        http_client=openai.DefaultHttpxClient(transport=transport) if transport else None,
    )
    body = {"prompt": PROMPT, "output": OUTPUT, "context": CONTEXT}
    return lambda: client.post("/verify/reliability", body=body, cast_to=object)


def kluster_call(base_url: str, transport: httpx.BaseTransport | None) -> Callable[[], object]:
    client = VerifyClient(
        api_key=KEY,
        base_url=base_url,
        max_retries=0,
        http_client=(
            openai.DefaultHttpxClient(transport=GuardedTransport(transport, GuardOptions()))
            if transport
            else None  # the guarded client every class builds
        ),
    )
    return lambda: client.verify(PROMPT, OUTPUT, context=CONTEXT)


def median_ms(call: Callable[[], object], calls: int) -> float:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def best_us(function: Callable[[], object], number: int, rounds: int) -> float:
    return min(timeit.repeat(function, number=number, repeat=rounds)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    number, rounds = (20, 2) if args.quick else (500, 7)

    canned = "https://canned.invalid/v1"
    calls = {
        "stock": stock_call(canned, CannedAnswer()),
        "kluster": kluster_call(canned, CannedAnswer()),
    }
    best = {name: float("inf") for name in calls}
    for r in range(rounds * 2):  # interleaved, each round in the other order
        for name in list(calls)[r % 2 :] + list(calls)[: r % 2]:
            best[name] = min(best[name], best_us(calls[name], number, 1))
    added = best["kluster"] - best["stock"]
    print("| per check | stock | kluster | added |")
    print("|---|---|---|---|")
    print(
        f"| canned answer, best of rounds (µs) | {best['stock']:.0f} | {best['kluster']:.0f} "
        f"| {added:+.0f} |"
    )
    with emulator_process() as base_url:
        round_trips = {"stock": stock_call(base_url, None), "kluster": kluster_call(base_url, None)}
        medians: dict[str, list[float]] = {name: [] for name in round_trips}
        names = list(round_trips)
        for r in range(rounds * 2):  # each round in the other order
            for name in names[r % 2 :] + names[: r % 2]:
                medians[name].append(median_ms(round_trips[name], number // 5 or 1))
    stock_ms, kluster_ms = (min(medians[name]) for name in ("stock", "kluster"))
    print(
        f"| emulator in another process, median (ms) | {stock_ms:.2f} | {kluster_ms:.2f} "
        f"| {(kluster_ms / stock_ms - 1) * 100:+.1f}% |"
    )

    near_window = "word " * ((VERIFY_CONTEXT_WINDOW - 100) * CHARS_PER_TOKEN // 5)
    checks = {
        "verify_body, short request": lambda: verify_body(PROMPT, OUTPUT, context=CONTEXT),
        f"verify_body, {len(near_window):,}-character context": lambda: verify_body(
            PROMPT, OUTPUT, context=near_window
        ),
        "read_verify_answer, 10 search results": lambda: read_verify_answer(ANSWER),
    }
    print()
    print("| check alone | µs |")
    print("|---|---|")
    for name, check in checks.items():
        small = 3 if "context" in name else number
        print(f"| {name} | {best_us(check, small, rounds):.1f} |")


if __name__ == "__main__":
    main()
