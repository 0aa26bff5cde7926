"""Batch API benchmarks: preparing, submitting and collecting 100,000 requests.

Run ``.venv/bin/python benchmarks/batch.py`` (``--requests 10000`` for a shorter run). The
emulator runs in a separate process, so its own memory and CPU are not counted.

1. Preparing and writing: time per request to build each request and write it as a batch
   line, beside the floor (``ChatOpenAI._get_request_payload`` plus ``json.dumps`` of each
   line) and ``ChatKluster._get_request_payload`` alone, measured in one run, for plain
   strings and for a shared system prompt with a user message;
2. peak memory growth (tracemalloc) while ``submit_batch`` writes and uploads the job;
3. collecting the results (download, parse, reorder by ``custom_id``): time beside
   ``json.loads`` of the same output lines, and peak memory growth: for the framework-free
   stream of results (``iter_raw``), for ``iter_results`` (one ``AIMessage`` at a time)
   and for ``results()`` (the list of all 100,000 ``AIMessage`` objects, which is itself
   about 2.7 KB per message, as a real-time call's).
4. ``--large-answers``: instead, collecting 1,000 answers of 70 KB (70 MB of output, over
   the 64 MB answer cap, which bounds a line, not a file): time and peak memory growth of
   ``iter_results`` and ``results()``.
5. ``--iter-results 1000000`` (``--custom-ids``: with ids of the caller's): instead,
   ``iter_results()`` over a million results: peak memory growth on a re-attached job and
   on one that holds its ids.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from run import KEY, MODEL, emulator_process, table

MB = 1024 * 1024


def texts(count: int) -> list[str]:
    return [
        f"Review {i}: the product arrived on time and works as described. Positive or negative?"
        for i in range(count)
    ]


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def traced_peak(action: Callable[[], Any]) -> tuple[float, Any]:
    """Peak growth in MB of traced allocations while ``action`` runs, and its result."""
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    result = action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / MB, result


SYSTEM_PROMPT = (
    "You label product reviews for a retailer. Answer with one word, positive or negative, "
    "and nothing else. Reviews may be in English, French or German; sarcasm counts as negative."
)


def bench_preparation(count: int, rounds: int, chunk: int = 2_000) -> None:
    """Each case runs on the same chunk of inputs in turn, chunk after chunk, so a change
    in the machine's load (it is shared) hits every case alike; best total of ``rounds``.

    The floor is what a job of stock ``ChatOpenAI`` requests costs at least: its
    ``_get_request_payload`` for each input plus ``json.dumps`` of each batch line. Two
    input shapes: a plain string, and a system prompt (the same for every line, as from a
    prompt template) with a user message.
    """
    from langchain_core.messages import HumanMessage, SystemMessage
    from langchain_openai import ChatOpenAI

    from kluster_integrations.core.batch_api._writer import BatchFileWriter
    from kluster_integrations.core.contract import BATCH_ENDPOINT
    from kluster_integrations.langchain.chat_models import ChatKluster

    url = "http://127.0.0.1:9/v1"
    stock = ChatOpenAI(model=MODEL, base_url=url, api_key=KEY)
    kluster = ChatKluster(model=MODEL, base_url=url, api_key=KEY)
    shapes: dict[str, list[Any]] = {
        "plain text": texts(count),
        "system prompt + text": [
            [SystemMessage(SYSTEM_PROMPT), HumanMessage(text)] for text in texts(count)
        ],
    }
    names = (
        "floor: ChatOpenAI._get_request_payload + json.dumps of the line",
        "ChatKluster._get_request_payload (real-time path, no line written)",
        "submit_batch: prepare + write the JSONL line to disk",
    )
    rows = []
    for shape, inputs in shapes.items():
        best = dict.fromkeys(names, float("inf"))
        for _ in range(rounds):
            totals = dict.fromkeys(names, 0.0)
            codec = kluster._batch_codec(None, {})  # one job: shared checks done once
            with tempfile.TemporaryDirectory() as tmp, BatchFileWriter(Path(tmp)) as writer:
                for first in range(0, count, chunk):
                    part = inputs[first : first + chunk]

                    def floor(part: list[Any] = part, first: int = first) -> None:
                        for number, value in enumerate(part, start=first):
                            json.dumps(
                                {
                                    "custom_id": f"request-{number}",
                                    "method": "POST",
                                    "url": BATCH_ENDPOINT,
                                    "body": stock._get_request_payload(value),
                                }
                            )

                    def kluster_payload(part: list[Any] = part) -> None:
                        for value in part:
                            kluster._get_request_payload(value)

                    def build_and_write(
                        part: list[Any] = part, first: int = first, codec: Any = codec
                    ) -> None:
                        bodies = map(codec.request_for, part)
                        for number, body in enumerate(bodies, start=first):
                            writer.add(f"request-{number}", body)

                    for name, case in zip(
                        names, (floor, kluster_payload, build_and_write), strict=True
                    ):
                        totals[name] += timed(case)
            best = {name: min(best[name], totals[name]) for name in names}
        floor_time = best[names[0]]
        rows.extend(
            (shape, name, f"{seconds / count * 1e6:.1f}", f"{seconds / floor_time:.2f}x")
            for name, seconds in best.items()
        )
    table(
        f"Preparing and writing {count:,} requests (best of {rounds}, interleaved)",
        rows,
        ("inputs", "step", "µs per request", "vs floor"),
    )


def bench_submit_and_collect(base_url: str, count: int) -> None:
    import openai

    from kluster_integrations.langchain.chat_models import ChatKluster

    llm = ChatKluster(model=MODEL, base_url=base_url, api_key=KEY)
    inputs = texts(count)
    submit_seconds = 0.0

    def submit() -> Any:
        nonlocal submit_seconds
        start = time.perf_counter()
        job = llm.submit_batch(inputs)
        submit_seconds = time.perf_counter() - start
        return job

    submit_peak, job = traced_peak(submit)
    started = time.perf_counter()
    job.wait(poll_interval=1.0, progress=False)
    emulator_seconds = time.perf_counter() - started

    def stream_items() -> int:
        return sum(1 for _ in job.iter_raw())

    stream_seconds = timed(stream_items)
    stream_peak, _ = traced_peak(stream_items)

    def stream_messages() -> int:
        return sum(1 for _ in job.iter_results())

    messages_seconds = timed(stream_messages)
    messages_peak, _ = traced_peak(stream_messages)
    list_seconds = timed(job.results)
    list_peak, results = traced_peak(job.results)
    assert len(results) == count
    del results

    client = openai.OpenAI(base_url=base_url, api_key=KEY)
    [batch] = job.status().batches
    lines = client.files.content(batch.output_file_id).content.splitlines()
    loads_seconds = timed(lambda: [json.loads(line) for line in lines])
    table(
        f"Submitting and collecting {count:,} requests (emulator in another process)",
        [
            (
                "submit_batch: build, write, upload, create (under tracemalloc)",
                f"{submit_seconds:.2f}",
                f"{submit_peak:.1f}",
            ),
            ("(emulator runs the batch)", f"{emulator_seconds:.1f}", "-"),
            ("json.loads of the output lines (reference)", f"{loads_seconds:.2f}", "-"),
            (
                "collect: download, parse, reorder (iter_raw)",
                f"{stream_seconds:.2f}",
                f"{stream_peak:.1f}",
            ),
            (
                "collect: iter_results(), one AIMessage at a time",
                f"{messages_seconds:.2f}",
                f"{messages_peak:.1f}",
            ),
            ("collect: results() -> list of AIMessage", f"{list_seconds:.2f}", f"{list_peak:.1f}"),
        ],
        ("step", "seconds", "peak MB growth (tracemalloc)"),
    )


def bench_large_answers(base_url: str, count: int = 1_000, answer_bytes: int = 70_000) -> None:
    import httpx

    from kluster_integrations.langchain.chat_models import ChatKluster

    answer = "x" * answer_bytes
    httpx.post(
        base_url.removesuffix("/v1") + "/_emulator/replies",
        json={"replies": [answer] * count},
        timeout=60,
    ).raise_for_status()
    job = ChatKluster(model=MODEL, base_url=base_url, api_key=KEY).submit_batch(
        [f"q{i}" for i in range(count)]
    )
    job.wait(poll_interval=0.2, progress=False)

    def stream_messages() -> int:
        return sum(1 for m in job.iter_results() if m.content == answer)

    def as_list() -> int:
        return sum(1 for m in job.results() if m.content == answer)

    rows = []
    for name, action in (
        ("iter_results(), one AIMessage at a time", stream_messages),
        ("results() -> list of AIMessage", as_list),
    ):
        seconds = timed(action)
        peak, collected = traced_peak(action)
        assert collected == count, (name, collected)
        rows.append((name, f"{seconds:.2f}", f"{peak:.1f}"))
    table(
        f"Collecting {count:,} answers of {answer_bytes // 1000} KB "
        f"({count * answer_bytes / 1e6:.0f} MB of output)",
        rows,
        ("step", "seconds", "peak MB growth (tracemalloc)"),
    )


def bench_iter_results(base_url: str, count: int, custom_ids: bool = False) -> None:
    """``iter_results()`` over ``count`` results: the peak growth of traced memory while a
    job re-attached by id is read (its custom ids read from the input files too),
    then read again (the ids held), and the time of each pass. The job is submitted with
    ``submit_requests`` (bodies built directly: preparation is measured in section 1), with
    the engine's numbered ids or, with ``custom_ids``, ids of the caller's (16 characters)."""
    import openai

    from kluster_integrations.core.batch_api import submit_requests
    from kluster_integrations.langchain.chat_models import ChatKluster

    client = openai.OpenAI(base_url=base_url, api_key=KEY, timeout=600)
    bodies = (
        {
            "model": MODEL,
            "messages": [{"role": "user", "content": f"q{i}"}],
            "max_completion_tokens": 8,
        }
        for i in range(count)
    )
    started = time.perf_counter()
    ids = [f"doc-{i:07d}-{i % 9973:04x}" for i in range(count)] if custom_ids else None
    submitted = submit_requests(client, bodies, custom_ids=ids)
    del ids
    submitted.wait(poll_interval=2.0, progress=False)
    print(f"({count:,} requests submitted and run in {time.perf_counter() - started:.0f} s)")
    job = ChatKluster(model=MODEL, base_url=base_url, api_key=KEY).get_batch(submitted.id)

    def read_all() -> int:
        return sum(1 for message in job.iter_results() if not isinstance(message, Exception))

    rows = []
    for name in ("re-attached job: ids read from the input files", "again: ids held by the job"):
        peak, answered = traced_peak(read_all)
        assert answered == count, answered
        rows.append((name, f"{peak:.1f}"))
    seconds = timed(read_all)
    table(
        f"iter_results() over {count:,} results, {'custom' if custom_ids else 'numbered'} ids, "
        "one AIMessage at a time "
        f"({len(job.batch_ids)} batches; {seconds:.1f} s a pass, not traced)",
        rows,
        ("pass", "peak MB growth (tracemalloc)"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-answers", action="store_true", help="only section 4")
    parser.add_argument(
        "--iter-results", type=int, metavar="N", help="only section 5, over N results"
    )
    parser.add_argument("--custom-ids", action="store_true", help="section 5 with custom ids")
    args = parser.parse_args()
    os.environ.pop("KLUSTER_API_KEY", None)
    if args.iter_results:
        with emulator_process() as base_url:
            bench_iter_results(base_url, args.iter_results, args.custom_ids)
        return
    if args.large_answers:
        with emulator_process() as base_url:
            bench_large_answers(base_url)
        return
    print(f"# Batch API benchmarks ({args.requests:,} requests)")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    bench_preparation(args.requests, args.rounds)
    with emulator_process() as base_url:
        bench_submit_and_collect(base_url, args.requests)


if __name__ == "__main__":
    main()
