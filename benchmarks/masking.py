"""Benchmark: what masking the API key costs, in errors and in logs.

Run ``.venv/bin/python benchmarks/masking.py`` (``--quick`` for smaller texts). No server is
involved. It prints:

- the one-time cost of compiling a key's forms (``core.transport.key_forms``);
- masking throughput on texts of growing size, with no key, with the key (raw and as base64)
  echoed up to a million times, with a key prefix repeated (many near matches), and with
  dense backslashes (every place may start an escape): the time per MB stays flat as the
  text grows, so masking is linear;
- a log call on an openai / httpcore logger with DEBUG off and on, with the filter of
  ``core.transport`` and without: with DEBUG off the filter never runs.
"""

from __future__ import annotations

import argparse
import base64
import logging
import statistics
import sys
import time
import timeit
from collections.abc import Callable

from kluster_integrations.core.transport import KeyForms, KeyMaskingFilter, mask_key, remember_key

KEY = "kl-3f9a2c71-5b0e-4d8c-9e16-a4b7c2d9f081"
MB = 1_000_000


def seconds(run: Callable[[], object], rounds: int = 3) -> float:
    """The best of ``rounds`` timings of ``run`` (the least disturbed by other work)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def texts(size: int) -> dict[str, str]:
    """Texts of about ``size`` characters, by what they hold."""
    echoed_b64 = base64.b64encode(f"user:{KEY}".encode()).decode()
    return {
        "JSON-like text, no key": ('{"content": "lorem ipsum dolor sit amet", "n": 1} ' * size)[
            :size
        ],
        "key echoed (raw)": ((KEY + " ") * (size // (len(KEY) + 1) + 1))[:size],
        "key echoed (Basic base64)": ((echoed_b64 + " ") * (size // len(echoed_b64) + 1))[:size],
        "key prefix repeated": ((KEY[:-1] + " ") * (size // len(KEY) + 1))[:size],
        "dense backslashes": ("\\u00" * (size // 4 + 1))[:size],
    }


def masking(sizes: list[int]) -> None:
    print(f"Compiling one key's forms: {seconds(lambda: KeyForms(KEY)) * 1e3:.1f} ms (once a key)")
    print(f"\nMasking throughput (best of 3), key {len(KEY)} characters")
    print(f"{'text':28} " + " ".join(f"{size / MB:>9.0f} MB" for size in sizes))
    by_size = {size: texts(size) for size in sizes}
    for name in by_size[sizes[0]]:
        cells = []
        for size in sizes:
            text = by_size[size][name]
            per_mb = seconds(lambda text=text: mask_key(text, KEY)) / (size / MB)
            cells.append(f"{per_mb * 1e3:8.0f} ms")
        print(f"{name:28} " + " ".join(f"{cell:>12}" for cell in cells) + "  per MB")
    echoes = sizes[-1] // (len(KEY) + 1)
    print(f"(the largest 'key echoed (raw)' text holds the key {echoes:,} times)")
    body = '{"error": {"message": "Invalid API key: ' + KEY + '", "type": "auth"}}'
    per_body = statistics.median(timeit.repeat(lambda: mask_key(body, KEY), number=2000, repeat=5))
    print(f"A 401 body of {len(body)} characters: {per_body / 2000 * 1e6:.1f} us")


def logging_cost() -> None:
    print("\nOne log call with an argument, median ns (a NullHandler on the root logger)")
    logging.getLogger().addHandler(logging.NullHandler())
    logger = logging.getLogger("httpcore.http11")
    headers = [(b"content-type", b"application/json"), (b"x-request-id", b"abc123")]

    def call() -> None:
        logger.debug("receive_response_headers.complete return_value=%r", headers)

    def cost() -> float:
        return statistics.median(timeit.repeat(call, number=20_000, repeat=7)) / 20_000 * 1e9

    remember_key(KEY)
    rows = []
    for level in (logging.WARNING, logging.DEBUG):
        logger.setLevel(level)
        without = cost()
        key_filter = _CountingFilter()
        logger.addFilter(key_filter)
        rows.append((logging.getLevelName(level), without, cost(), key_filter.calls))
        logger.removeFilter(key_filter)
    print(f"{'level':10} {'no filter':>10} {'filter':>10} {'filter ran':>12}")
    for level_name, without, with_filter, calls in rows:
        print(f"{level_name:10} {without:10.0f} {with_filter:10.0f} {calls:>12,} times")


class _CountingFilter(KeyMaskingFilter):
    calls = 0

    def filter(self, record: logging.LogRecord) -> bool:
        self.calls += 1
        return super().filter(record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 4 MB texts only")
    args = parser.parse_args()
    masking([1 * MB, 4 * MB] if args.quick else [1 * MB, 8 * MB, 64 * MB])
    logging_cost()
    print(f"\nPython {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
