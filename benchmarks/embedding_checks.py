"""What checking an embeddings answer costs, per call, without the network.

Run ``PYTHONPATH=. .venv/bin/python benchmarks/embedding_checks.py`` from the checkout
(``--quick`` for a smoke run; without ``PYTHONPATH`` the installed package is timed). The
openai SDK answers from a canned body (an ``httpx.MockTransport`` in this process) of
``N`` vectors of 1024 numbers, as the emulator would send them, in the default wire format
(base64, which the SDK asks for unless told otherwise) and in ``encoding_format="float"``.
Rows give µs per ``embeddings.create`` call, the best of interleaved rounds: the bare SDK,
and the SDK behind ``CheckedEmbeddings`` (order, count, dimension and value checks of
``core.answer``).

``--before FILE`` adds a column for another version of ``core/answer/_embeddings.py`` (for
example ``git show <rev>:kluster_integrations/core/embedding_answers.py > /tmp/before.py``),
run in the same rounds, so that a change is compared on equal terms.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import random
import struct
import timeit
from functools import partial
from typing import Any

import httpx
import openai

from kluster_integrations.core.answer import CheckedEmbeddings

MODEL = "BAAI/bge-m3"
DIMENSIONS = 1024


def canned_answer(count: int, as_base64: bool) -> bytes:
    rng = random.Random(7)
    data = []
    for index in range(count):
        vector = [rng.uniform(-0.1, 0.1) for _ in range(DIMENSIONS)]
        packed = struct.pack(f"<{DIMENSIONS}f", *vector)
        vector = list(struct.unpack(f"<{DIMENSIONS}f", packed))  # float32 values, as served
        encoded: Any = base64.b64encode(packed).decode() if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    body = {
        "object": "list",
        "data": data,
        "model": MODEL,
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }
    return json.dumps(body).encode()


def client_answering(count: int) -> openai.OpenAI:
    answers = {fmt: canned_answer(count, fmt == "base64") for fmt in ("base64", "float")}

    def answer(request: httpx.Request) -> httpx.Response:
        fmt = json.loads(request.content).get("encoding_format", "float")
        return httpx.Response(
            200, content=answers[fmt], headers={"content-type": "application/json"}
        )

    return openai.OpenAI(
        base_url="http://canned.invalid/v1",
        api_key="k",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),
    )


def load_module(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("embedding_answers_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def interleaved_best_us(calls: dict[str, Any], number: int, rounds: int) -> dict[str, float]:
    """µs per call of each of ``calls``, the best of ``rounds`` rounds that run each once."""
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(rounds):
        for name, call in calls.items():
            best[name] = min(best[name], timeit.timeit(call, number=number) / number * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--before", help="another core/answer/_embeddings.py to compare")
    args = parser.parse_args()
    rounds = 3 if args.quick else 9
    wrappers = {"checked": CheckedEmbeddings}
    if args.before:
        wrappers = {"before": load_module(args.before).CheckedEmbeddings, **wrappers}
    names = ["bare SDK", *wrappers]
    print("| vectors | format | " + " | ".join(f"{n} (µs/call)" for n in names) + " |")
    print("|---|---|" + "---|" * len(names))
    for count in (1, 100):
        client = client_answering(count)
        inputs = [f"text {i}" for i in range(count)]
        for fmt in ("default (base64)", "float"):
            extra = {} if fmt.startswith("default") else {"encoding_format": "float"}
            # The SDK builds float answers slowly (its loose constructor walks every number).
            number = max(1, (100 if extra else 1000) // count // (4 if args.quick else 1))
            request: dict[str, Any] = {"input": inputs, "model": MODEL, **extra}
            calls = {"bare SDK": partial(client.embeddings.create, **request)}
            for name, wrapper in wrappers.items():
                calls[name] = partial(wrapper(client.embeddings).create, **request)
                calls[name]()  # warm up, and fail loudly if the canned answer does not pass
            best = interleaved_best_us(calls, number, rounds)
            print(f"| {count} | {fmt} | " + " | ".join(f"{best[n]:,.0f}" for n in names) + " |")


if __name__ == "__main__":
    main()
