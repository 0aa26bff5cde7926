"""Benchmarks: the kluster adapters side by side with the stock classes and the raw SDK.

Run ``make bench`` (or ``.venv/bin/python benchmarks/run.py``). Everything talks to a
kluster.ai emulator started in a separate process, so the server does not share the
benchmark's interpreter. Figures are medians over repeated, interleaved rounds; the
machine is shared and noisy, so read differences of a few percent with care.

Sections:
1. per-call overhead: invoke / stream (first chunk, total) / LlamaIndex chat;
2. sanitizer cost for 10- and 100-message histories;
3. throughput: abatch of 1,000 prompts at concurrency 64 vs stock and raw AsyncOpenAI,
   on an instant server and on one that takes 50 ms per answer;
4. import time in a fresh interpreter;
5. streaming pass-through with a delay between chunks;
6. memory: peak traced allocation over 100 calls.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
KEY = "bench-key"
PROMPT = "Give me one sentence about benchmarks."
MESSAGES = [{"role": "user", "content": PROMPT}]


@contextmanager
def emulator_process(chunk_delay: float = 0.0, latency: float = 0.0) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kluster_integrations.emulator",
            "--port",
            str(port),
            "--chunk-delay",
            str(chunk_delay),
            "--latency",
            str(latency),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/models", headers={"Authorization": f"Bearer {KEY}"})
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def interleaved(
    runners: dict[str, Callable[[], None]], rounds: int, per_round: int
) -> dict[str, list[float]]:
    """Time each runner ``per_round`` calls per round, rotating the order every round."""
    samples: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for name in names:  # warm-up: connections, imports, caches
        for _ in range(5):
            runners[name]()
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            for _ in range(per_round):
                start = time.perf_counter()
                runners[name]()
                samples[name].append(time.perf_counter() - start)
    return samples


def table(title: str, rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def relative(value: float, base: float) -> str:
    return f"{(value / base - 1) * 100:+.1f}%"


def bench_calls(base_url: str, rounds: int) -> None:
    import openai
    from langchain_openai import ChatOpenAI
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    from kluster_integrations.langchain.chat_models import ChatKluster
    from kluster_integrations.llama_index.llms import KlusterLLM

    raw = openai.OpenAI(base_url=base_url, api_key=KEY)
    stock = ChatOpenAI(model=MODEL, base_url=base_url, api_key=KEY)
    kluster = ChatKluster(model=MODEL, base_url=base_url, api_key=KEY)
    li_stock = OpenAILike(model=MODEL, api_base=base_url, api_key=KEY, is_chat_model=True)
    li_kluster = KlusterLLM(model=MODEL, api_base=base_url, api_key=KEY)
    li_messages = [ChatMessage(role="user", content=PROMPT)]

    invoke = interleaved(
        {
            "raw openai SDK": lambda: raw.chat.completions.create(model=MODEL, messages=MESSAGES),
            "ChatOpenAI.invoke": lambda: stock.invoke(PROMPT),
            "ChatKluster.invoke": lambda: kluster.invoke(PROMPT),
            "OpenAILike.chat": lambda: li_stock.chat(li_messages),
            "KlusterLLM.chat": lambda: li_kluster.chat(li_messages),
        },
        rounds,
        20,
    )
    med = {name: median_ms(s) for name, s in invoke.items()}
    table(
        "Per-call latency, non-streaming (median)",
        [
            ("raw openai SDK", f"{med['raw openai SDK']:.2f}", "-"),
            ("ChatOpenAI.invoke", f"{med['ChatOpenAI.invoke']:.2f}", "(stock)"),
            (
                "ChatKluster.invoke",
                f"{med['ChatKluster.invoke']:.2f}",
                relative(med["ChatKluster.invoke"], med["ChatOpenAI.invoke"]),
            ),
            ("OpenAILike.chat", f"{med['OpenAILike.chat']:.2f}", "(stock)"),
            (
                "KlusterLLM.chat",
                f"{med['KlusterLLM.chat']:.2f}",
                relative(med["KlusterLLM.chat"], med["OpenAILike.chat"]),
            ),
        ],
        ("call", "ms", "vs stock"),
    )

    first: dict[str, list[float]] = {}

    def streamer(name: str, make: Callable[[], Iterator[object]]) -> Callable[[], None]:
        first[name] = []

        def run() -> None:
            start = time.perf_counter()
            seen = False
            for _ in make():
                if not seen:
                    first[name].append(time.perf_counter() - start)
                    seen = True

        return run

    stream = interleaved(
        {
            "raw openai SDK": streamer(
                "raw openai SDK",
                lambda: raw.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True),
            ),
            "ChatOpenAI.stream": streamer("ChatOpenAI.stream", lambda: stock.stream(PROMPT)),
            "ChatKluster.stream": streamer("ChatKluster.stream", lambda: kluster.stream(PROMPT)),
            "OpenAILike.stream_chat": streamer(
                "OpenAILike.stream_chat", lambda: li_stock.stream_chat(li_messages)
            ),
            "KlusterLLM.stream_chat": streamer(
                "KlusterLLM.stream_chat", lambda: li_kluster.stream_chat(li_messages)
            ),
        },
        rounds,
        20,
    )
    rows = []
    for name, pair in [
        ("raw openai SDK", None),
        ("ChatOpenAI.stream", None),
        ("ChatKluster.stream", "ChatOpenAI.stream"),
        ("OpenAILike.stream_chat", None),
        ("KlusterLLM.stream_chat", "OpenAILike.stream_chat"),
    ]:
        total = median_ms(stream[name])
        ttfc = median_ms(first[name])
        rows.append(
            (
                name,
                f"{ttfc:.2f}",
                f"{total:.2f}",
                relative(total, median_ms(stream[pair])) if pair else "-",
            )
        )
    table("Streaming (median)", rows, ("call", "first chunk ms", "total ms", "total vs stock"))


def bench_sanitizer() -> None:
    from kluster_integrations.core.request import sanitize_request

    def history(size: int, dirty: bool) -> dict[str, object]:
        messages: list[dict[str, object]] = [{"role": "system", "content": "Be brief."}]
        for i in range(size - 1):
            if dirty and i % 3 == 1:
                messages.append(
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": f"c{i}",
                                "type": "function",
                                "function": {"name": "lookup", "arguments": '{"q": "x"}'},
                            }
                        ],
                    }
                )
            elif dirty and i % 3 == 2:
                messages.append({"role": "tool", "tool_call_id": f"c{i - 1}", "content": "42"})
            else:
                messages.append(
                    {
                        "role": "user",
                        "content": f"message {i}",
                        **({"name": "ada"} if dirty else {}),
                    }
                )
        request: dict[str, object] = {"model": MODEL, "messages": messages, "temperature": 0.1}
        if dirty:
            request.update(
                max_tokens=64,
                stream_options={"include_usage": True},
                response_format={"type": "json_object"},
            )
        return request

    rows = []
    for size in (10, 100):
        for dirty in (False, True):
            request = history(size, dirty)
            runs = 2000 if size == 10 else 300
            per = (
                min(timeit.repeat(lambda r=request: sanitize_request(r), number=runs, repeat=5))
                / runs
            )
            rows.append(
                (f"{size} messages", "needs rewriting" if dirty else "clean", f"{per * 1e6:.1f}")
            )
    table("Sanitizer cost per request (best of 5)", rows, ("history", "kind", "µs"))


def bench_preparation() -> None:
    """The adapters' own work per request, without the network: building the payload."""
    from langchain_openai import ChatOpenAI
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai.utils import to_openai_message_dicts
    from llama_index.llms.openai_like import OpenAILike

    from kluster_integrations.langchain.chat_models import ChatKluster
    from kluster_integrations.llama_index.llms import KlusterLLM

    url = "http://127.0.0.1:9/v1"
    stock = ChatOpenAI(model=MODEL, base_url=url, api_key=KEY)
    kluster = ChatKluster(model=MODEL, base_url=url, api_key=KEY)
    li_stock = OpenAILike(model=MODEL, api_base=url, api_key=KEY, is_chat_model=True)
    li_kluster = KlusterLLM(model=MODEL, api_base=url, api_key=KEY)
    messages = [ChatMessage(role="user", content=PROMPT)]

    def li_request(llm: Any) -> dict[str, Any]:
        return {"messages": to_openai_message_dicts(messages), **llm._get_model_kwargs()}

    cases = {
        "ChatOpenAI._get_request_payload": lambda: stock._get_request_payload(PROMPT),
        "ChatKluster._get_request_payload": lambda: kluster._get_request_payload(PROMPT),
        "OpenAILike request kwargs + messages": lambda: li_request(li_stock),
        "KlusterLLM request kwargs + messages, prepared": lambda: li_kluster._prepare(
            messages, {}, stream=False
        ),
    }
    per = {
        name: min(timeit.repeat(case, number=2000, repeat=5)) / 2000 for name, case in cases.items()
    }
    names = list(cases)
    table(
        "Request preparation, no network (best of 5)",
        [
            (names[0], f"{per[names[0]] * 1e6:.1f}", "-"),
            (
                names[1],
                f"{per[names[1]] * 1e6:.1f}",
                f"+{(per[names[1]] - per[names[0]]) * 1e6:.1f}",
            ),
            (names[2], f"{per[names[2]] * 1e6:.1f}", "-"),
            (
                names[3],
                f"{per[names[3]] * 1e6:.1f}",
                f"+{(per[names[3]] - per[names[2]]) * 1e6:.1f}",
            ),
        ],
        ("step", "µs", "added µs"),
    )


def bench_answer_building() -> None:
    """Building the SDK's answer objects from their JSON: the SDK's loose constructor (what
    stock classes use) against ``core.answer`` (what the adapters use)."""
    from openai._models import construct_type  # the SDK's own builder, to time it
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    from kluster_integrations.core.transport import build_answer

    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": "Benchmarks turn speed into numbers."},
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 14, "total_tokens": 26},
    }
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_764_000_000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": "Bench"}, "finish_reason": None}],
    }

    def best(case: Callable[[], object]) -> float:
        return min(timeit.repeat(case, number=2000, repeat=5)) / 2000 * 1e6

    rows = []
    for name, model, data in (
        ("a chat completion", ChatCompletion, completion),
        ("a streamed chunk", ChatCompletionChunk, chunk),
    ):
        sdk = best(lambda m=model, d=data: construct_type(type_=m, value=d))
        ours = best(lambda m=model, d=data: build_answer(m, d))
        rows.append((name, f"{sdk:.1f}", f"{ours:.1f}"))
    table(
        "Building an answer object from its JSON (best of 5)",
        rows,
        ("answer", "openai SDK (stock classes) µs", "core.answer (adapters) µs"),
    )


class _CannedAnswer(httpx.BaseTransport):
    """Answers every request with one fixed chat completion, read from a stream as a real
    connection's body is: the client's own work per call, without the network."""

    body = (
        b'{"id":"chatcmpl-1","object":"chat.completion","created":1764000000,"model":"'
        + MODEL.encode()
        + b'","choices":[{"index":0,"finish_reason":"stop","logprobs":null,"message":'
        b'{"role":"assistant","content":"Benchmarks turn speed into numbers."}}],'
        b'"usage":{"prompt_tokens":12,"completion_tokens":14,"total_tokens":26}}'
    )

    class _Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield _CannedAnswer.body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        headers = [(b"content-type", b"application/json"), (b"server", b"uvicorn")]
        return httpx.Response(200, headers=headers, stream=self._Body())


def bench_client_work(rounds: int) -> None:
    """Whole invoke / chat calls against a canned answer in the same process: what each
    class costs on the client, with the adapters' guards around the same canned transport."""
    import openai
    from langchain_openai import ChatOpenAI
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    from kluster_integrations.core.transport import GuardedTransport, GuardOptions
    from kluster_integrations.langchain.chat_models import ChatKluster
    from kluster_integrations.llama_index.llms import KlusterLLM

    url = "https://kluster.test/v1"

    def plain() -> httpx.Client:
        return openai.DefaultHttpxClient(transport=_CannedAnswer())

    def guarded() -> httpx.Client:
        return openai.DefaultHttpxClient(
            transport=GuardedTransport(_CannedAnswer(), GuardOptions())
        )

    stock = ChatOpenAI(model=MODEL, base_url=url, api_key=KEY, http_client=plain())
    kluster = ChatKluster(model=MODEL, base_url=url, api_key=KEY, http_client=guarded())
    li_stock = OpenAILike(
        model=MODEL, api_base=url, api_key=KEY, is_chat_model=True, http_client=plain()
    )
    li_kluster = KlusterLLM(model=MODEL, api_base=url, api_key=KEY, http_client=guarded())
    messages = [ChatMessage(role="user", content=PROMPT)]
    cases: dict[str, Callable[[], object]] = {
        "ChatOpenAI.invoke": lambda: stock.invoke(PROMPT),
        "ChatKluster.invoke": lambda: kluster.invoke(PROMPT),
        "OpenAILike.chat": lambda: li_stock.chat(messages),
        "KlusterLLM.chat": lambda: li_kluster.chat(messages),
    }
    best = dict.fromkeys(cases, float("inf"))
    for r in range(rounds):
        names = list(cases)[r % 2 :] + list(cases)[: r % 2]
        for name in names:
            per = min(timeit.repeat(cases[name], number=200, repeat=2)) / 200 * 1e6
            best[name] = min(best[name], per)
    table(
        "Client work per call, canned answer in the same process (best of rounds)",
        [
            ("ChatOpenAI.invoke", f"{best['ChatOpenAI.invoke']:.0f}", "-"),
            (
                "ChatKluster.invoke",
                f"{best['ChatKluster.invoke']:.0f}",
                f"{best['ChatKluster.invoke'] - best['ChatOpenAI.invoke']:+.0f}",
            ),
            ("OpenAILike.chat", f"{best['OpenAILike.chat']:.0f}", "-"),
            (
                "KlusterLLM.chat",
                f"{best['KlusterLLM.chat']:.0f}",
                f"{best['KlusterLLM.chat'] - best['OpenAILike.chat']:+.0f}",
            ),
        ],
        ("call", "µs", "vs stock µs"),
    )


def bench_throughput(
    base_url: str, prompts: int, concurrency: int, rounds: int, latency_ms: float = 0.0
) -> None:
    import openai
    from langchain_openai import ChatOpenAI

    from kluster_integrations.langchain.chat_models import ChatKluster

    async def raw_run(http_client: httpx.AsyncClient | None = None) -> float:
        client = openai.AsyncOpenAI(base_url=base_url, api_key=KEY, http_client=http_client)
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                await client.chat.completions.create(model=MODEL, messages=MESSAGES)

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(prompts)))
        elapsed = time.perf_counter() - start
        await client.close()
        return elapsed

    async def batch_run(model: Any) -> float:
        start = time.perf_counter()
        await model.abatch([PROMPT] * prompts, config={"max_concurrency": concurrency})
        return time.perf_counter() - start

    async def kluster_run() -> float:
        return await batch_run(ChatKluster(model=MODEL, base_url=base_url, api_key=KEY))

    async def stock_run() -> float:
        # A fresh pool per event loop: the stock default pool breaks in a second asyncio.run.
        return await batch_run(
            ChatOpenAI(
                model=MODEL, base_url=base_url, api_key=KEY, http_async_client=httpx.AsyncClient()
            )
        )

    async def raw_plain_pool_run() -> float:
        return await raw_run(httpx.AsyncClient())

    runners = {
        "raw AsyncOpenAI, SDK's default pool": raw_run,
        "raw AsyncOpenAI, plain httpx pool": raw_plain_pool_run,
        "ChatOpenAI.abatch (stock)": stock_run,
        "ChatKluster.abatch": kluster_run,
    }
    for run in runners.values():  # warm-up: the server's accept queue, imports, caches
        asyncio.run(run())
    times: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for r in range(rounds):  # rotate which goes first
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(asyncio.run(runners[name]()))
    rps = {name: prompts / statistics.median(t) for name, t in times.items()}
    best_raw = max(rps[n] for n in names if n.startswith("raw"))
    table(
        f"Throughput: {prompts} prompts at concurrency {concurrency}, server latency "
        f"{latency_ms:.0f} ms (median of {rounds})",
        [(name, f"{rps[name]:.0f}", f"{rps[name] / best_raw * 100:.0f}%") for name in names],
        ("client", "requests/s", "of the faster raw"),
    )


def bench_imports(repeats: int) -> None:
    modules = [
        "kluster_integrations",
        "langchain_openai",
        "kluster_integrations.langchain",
        "llama_index.llms.openai_like",
        "kluster_integrations.llama_index",
    ]
    code = (
        "import sys, time; t = time.perf_counter(); import {m}; "
        "d = time.perf_counter() - t; "
        "fw = any(k.split('.')[0] in ('langchain_core', 'llama_index') for k in sys.modules); "
        "print(d, fw)"
    )
    rows = []
    for module in modules:
        times, frameworks = [], False
        for _ in range(repeats):
            out = subprocess.run(
                [sys.executable, "-c", code.format(m=module)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            times.append(float(out[0]))
            frameworks = out[1] == "True"
        rows.append((module, f"{median_ms(times):.0f}", "yes" if frameworks else "no"))
    table(
        f"Import time in a fresh interpreter (median of {repeats})",
        rows,
        ("module", "ms", "pulls a framework"),
    )


def bench_stream_passthrough(chunk_delay: float) -> None:
    from kluster_integrations.langchain.chat_models import ChatKluster

    with emulator_process(chunk_delay=chunk_delay) as base_url:
        model = ChatKluster(model=MODEL, base_url=base_url, api_key=KEY)
        start = time.perf_counter()
        arrivals = [time.perf_counter() - start for chunk in model.stream(PROMPT) if chunk.content]
    table(
        f"Streaming pass-through, {chunk_delay * 1000:.0f} ms between server chunks",
        [
            ("content chunks", str(len(arrivals))),
            ("first chunk at (ms)", f"{arrivals[0] * 1000:.0f}"),
            ("last chunk at (ms)", f"{arrivals[-1] * 1000:.0f}"),
            (
                "first arrived before the last was sent",
                "yes" if arrivals[0] < arrivals[-1] - chunk_delay else "NO",
            ),
        ],
        ("measure", "value"),
    )


def bench_memory(base_url: str, calls: int) -> None:
    from langchain_openai import ChatOpenAI

    from kluster_integrations.langchain.chat_models import ChatKluster

    rows = []
    for name, model in [
        ("ChatOpenAI", ChatOpenAI(model=MODEL, base_url=base_url, api_key=KEY)),
        ("ChatKluster", ChatKluster(model=MODEL, base_url=base_url, api_key=KEY)),
    ]:
        model.invoke(PROMPT)
        tracemalloc.start()
        for _ in range(calls):
            model.invoke(PROMPT)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append((name, f"{peak / 1024:.0f}", f"{current / 1024:.0f}"))
    table(f"Memory over {calls} invokes (tracemalloc)", rows, ("class", "peak KiB", "retained KiB"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    args = parser.parse_args()
    rounds = 2 if args.quick else 10
    os.environ.pop("KLUSTER_API_KEY", None)
    print(f"# kluster-integrations benchmarks ({'quick' if args.quick else 'full'} run)")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    bench_sanitizer()
    bench_preparation()
    bench_answer_building()
    bench_client_work(2 if args.quick else 8)
    bench_imports(3 if args.quick else 7)
    with emulator_process() as base_url:
        bench_calls(base_url, rounds)
        bench_throughput(base_url, 200 if args.quick else 1000, 64, 1 if args.quick else 3)
        bench_memory(base_url, 20 if args.quick else 100)
    with emulator_process(latency=0.05) as base_url:
        bench_throughput(
            base_url, 200 if args.quick else 1000, 64, 1 if args.quick else 3, latency_ms=50
        )
    bench_stream_passthrough(0.02)


if __name__ == "__main__":
    main()
