"""Benchmark: what separating a reasoning model's thinking costs per streamed chunk.

Run ``.venv/bin/python benchmarks/reasoning.py``. No server is involved: the figures are
per-chunk CPU costs, medians of repeated runs, in microseconds, side by side with what every
chunk already costs (the openai SDK parsing it, and ChatOpenAI / LlamaIndex turning it into
a framework chunk). The stream is a DeepSeek-R1-like reply, 200 words of thinking and 100 of
answer, one word per chunk; "char" rows feed it one character per chunk (the worst case for
held-back partial tags).
"""

from __future__ import annotations

import statistics
import time
import timeit
from collections.abc import Callable
from typing import TypeVar

from langchain_core.messages import AIMessageChunk
from langchain_openai import ChatOpenAI
from openai.types.chat import ChatCompletionChunk

from kluster_integrations.core.reasoning import DeltaSplitter, ReasoningSplitter

THINKING = " ".join(f"step{i}" for i in range(200))
ANSWER = " ".join(f"word{i}" for i in range(100))
REPLY = f"<think>{THINKING}</think>\n\n{ANSWER}"
WORDS = REPLY.split(" ")
PIECES = [WORDS[0], *(" " + w for w in WORDS[1:])]
CHARS = list(REPLY)
ROUNDS = 7
T = TypeVar("T")


def raw_chunk(content: str, finish: str | None = None) -> dict:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "delta": {"content": content}, "finish_reason": finish, "logprobs": None}
        ],
    }


RAW = [raw_chunk(p) for p in PIECES[:-1]] + [raw_chunk(PIECES[-1], "stop")]


def per_chunk(run: Callable[[], object], chunks: int, number: int = 20) -> float:
    """Median microseconds per chunk of ``run`` (which handles ``chunks`` chunks)."""
    times = timeit.repeat(run, number=number, repeat=ROUNDS)
    return statistics.median(times) / number / chunks * 1e6


def per_fresh_chunk(
    make: Callable[[], T], run: Callable[[T], object], chunks: int, rounds: int = 41
) -> float:
    """Median microseconds per chunk of ``run`` on a fresh stream from ``make`` each time
    (the glue changes the chunks it handles, so each round needs new ones)."""
    times = []
    for _ in range(rounds):
        data = make()
        start = time.perf_counter()
        run(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / chunks * 1e6


def splitter_over(pieces: list[str]) -> Callable[[], object]:
    def run() -> object:
        splitter = ReasoningSplitter()
        feed = splitter.feed
        for piece in pieces:
            feed(piece)
        return splitter.finish()

    return run


def main() -> None:
    llm = ChatOpenAI(model="m", api_key="k", base_url="http://127.0.0.1:9/v1")  # never called
    convert = llm._convert_chunk_to_generation_chunk
    sdk_chunks = [ChatCompletionChunk.model_validate(c) for c in RAW]

    def sdk_parse() -> None:
        for c in RAW:
            ChatCompletionChunk.model_validate(c)

    def chatopenai_convert() -> None:
        for c in RAW:
            convert(c, AIMessageChunk, {})

    def fresh_chunks() -> list[ChatCompletionChunk]:
        return [c.model_copy(deep=True) for c in sdk_chunks]

    def answer_path_glue(chunks: list[ChatCompletionChunk]) -> None:
        split = DeltaSplitter("separate")
        for chunk in chunks:
            split(chunk)

    n = len(RAW)
    rows = [
        ("existing: a chunk built by validation (core.answer)", per_chunk(sdk_parse, n)),
        ("existing: ChatOpenAI converts a chunk", per_chunk(chatopenai_convert, n)),
        ("splitter, one word per chunk", per_chunk(splitter_over(PIECES), n, 200)),
        ("splitter, one character per chunk", per_chunk(splitter_over(CHARS), len(CHARS), 20)),
        (
            "splitter, answer only (no <think>)",
            per_chunk(splitter_over(ANSWER.split(" ")), 100, 500),
        ),
        (
            "answer path, both adapters (splitter + delta fields)",
            per_fresh_chunk(fresh_chunks, answer_path_glue, n),
        ),
    ]
    print(
        f"Per streamed chunk, median of {ROUNDS} runs ({n} word chunks, "
        f"{len(CHARS)} character chunks):"
    )
    for name, micros in rows:
        print(f"  {name:<46} {micros:7.2f} µs")


if __name__ == "__main__":
    main()
