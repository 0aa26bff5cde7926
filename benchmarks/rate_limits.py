"""The account's rate limiter against the stock classes, on an emulator that enforces limits.

Run ``PYTHONPATH=. .venv/bin/python benchmarks/rate_limits.py`` (from a worktree, so that
the package of this checkout is measured; ``--quick`` for a smoke run). The emulator runs
in a separate process, limited to ``--rpm`` requests a minute and ``--concurrent`` at once
per key and model, with ``--latency`` seconds per answer. Each row sends ``--requests``
chat requests at once (LangChain ``abatch`` with ``max_concurrency=50``, LlamaIndex
``asyncio.gather``), each with its own API key, and reports the 429s the emulator gave, the
retries (requests received beyond one per input), the calls that failed, the wall time, and
the wall time against the fastest the limits allow: requests in bursts of ``rpm``, one burst
a minute, each taking ``ceil(burst / concurrent) * latency``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from run import MODEL, table

from kluster_integrations.core.contract import RATE_LIMIT_WINDOW

CHAT = "/v1/chat/completions"


def control(base_url: str, method: str, what: str, body: dict[str, Any] | None = None) -> Any:
    """Ask the emulator's control API (``GET`` or ``POST /_emulator/<what>``)."""
    url = f"{base_url.removesuffix('/v1')}/_emulator/{what}"
    return httpx.request(method, url, json=body).raise_for_status().json()


def at_the_limit(requests: int, rpm: int, concurrent: int, latency: float) -> float:
    """Seconds the limits allow ``requests`` to take at best."""
    full_windows = math.ceil(requests / rpm) - 1
    last_burst = requests - full_windows * rpm
    return full_windows * RATE_LIMIT_WINDOW + math.ceil(last_burst / concurrent) * latency


def langchain_run(llm: Any, requests: int) -> Callable[[], Coroutine[Any, Any, list[Any]]]:
    async def run() -> list[Any]:
        config = {"max_concurrency": 50}
        return await llm.abatch(["hi"] * requests, config=config, return_exceptions=True)

    return run


def llama_index_run(llm: Any, requests: int) -> Callable[[], Coroutine[Any, Any, list[Any]]]:
    from llama_index.core.llms import ChatMessage

    hello = [ChatMessage(role="user", content="hi")]

    async def run() -> list[Any]:
        calls = [llm.achat(hello) for _ in range(requests)]
        return await asyncio.gather(*calls, return_exceptions=True)

    return run


def models(base_url: str, key: str, args: argparse.Namespace) -> dict[str, Any]:
    from langchain_openai import ChatOpenAI
    from llama_index.llms.openai_like import OpenAILike

    from kluster_integrations.langchain import ChatKluster
    from kluster_integrations.llama_index import KlusterLLM

    limits = {"requests_per_minute": args.rpm, "max_concurrent_requests": args.concurrent}
    return {
        "ChatOpenAI (stock)": lambda: ChatOpenAI(model=MODEL, base_url=base_url, api_key=key),
        "ChatKluster": lambda: ChatKluster(model=MODEL, base_url=base_url, api_key=key, **limits),
        "OpenAILike (stock)": lambda: OpenAILike(
            model=MODEL, api_base=base_url, api_key=key, is_chat_model=True
        ),
        "KlusterLLM": lambda: KlusterLLM(model=MODEL, api_base=base_url, api_key=key, **limits),
    }


def measure(base_url: str, name: str, args: argparse.Namespace) -> tuple[str, ...]:
    key = f"bench-{name.split()[0].lower()}"
    llm = models(base_url, key, args)[name]()
    make_run = langchain_run if name.startswith("Chat") else llama_index_run
    control(base_url, "POST", "reset")
    started = time.perf_counter()
    answers = asyncio.run(make_run(llm, args.requests)())
    wall = time.perf_counter() - started
    log = control(base_url, "GET", "requests")
    received = sum(1 for r in log if r["path"] == CHAT)
    refused = len(control(base_url, "GET", "rate_limited"))
    failed = sum(isinstance(a, BaseException) for a in answers)
    best = at_the_limit(args.requests, args.rpm, args.concurrent, args.latency)
    return (
        name,
        str(refused),
        str(received - args.requests),
        str(failed),
        f"{wall:.1f}",
        f"{(wall / best - 1) * 100:+.1f}%",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rpm", type=int, default=150)
    parser.add_argument("--concurrent", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--window", choices=("sliding", "fixed"), default="sliding")
    parser.add_argument("--quick", action="store_true", help="100 requests within one minute")
    parser.add_argument("--only", nargs="*", default=None, help="row names to run")
    args = parser.parse_args()
    logging.getLogger("llama_index").setLevel(logging.ERROR)  # its retry layer's notices
    if args.quick:
        args.requests, args.rpm = 100, 600
    from run import emulator_process

    with emulator_process(latency=args.latency) as base_url:
        control(
            base_url,
            "POST",
            "rate_limits",
            {
                "requests_per_minute": args.rpm,
                "max_concurrent": args.concurrent,
                "window": args.window,
            },
        )
        names = args.only or list(models(base_url, "k", args))
        rows = [measure(base_url, name, args) for name in names]
    best = at_the_limit(args.requests, args.rpm, args.concurrent, args.latency)
    table(
        f"{args.requests} requests on an emulator limited to {args.rpm}/min and "
        f"{args.concurrent} at once ({args.window} minute), {args.latency:g} s per answer; "
        f"at the limit: {best:.1f} s",
        rows,
        ("class", "429s", "retries", "failed", "wall s", "vs at the limit"),
    )


if __name__ == "__main__":
    main()
