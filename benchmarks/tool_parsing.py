"""Benchmark: how the prompted-tools parser and the stream splitters scale with the reply.

Run ``.venv/bin/python benchmarks/tool_parsing.py`` (``--quick`` for smaller inputs). No
server is involved: each row is one run of the parser or splitter on a hostile model reply,
with its size, the seconds it took and seconds per MB (or per 100k chunks). Work that grows
linearly with the reply keeps its per-MB figure as the size doubles; quadratic work doubles it.

- ``parse_tool_reply`` on C-like code in a fence, on a run of ``[`` and on a deeply nested
  JSON object (``{"a": {"a": ... }}``);
- ``ReplyStream.feed`` on a code reply in 64-character pieces, with the share of the text
  shown before the reply ended (the rest was held back as a possible tool call);
- ``ReasoningSplitter.feed`` / ``ReplyStream.feed`` on whitespace before ``<think>``, one
  character per chunk;
- ``parse_bare_arguments`` on many small objects that do not fit the tool (``{}`` repeated,
  objects without the required keys, objects that are not JSON).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from kluster_integrations.core.reasoning import ReasoningSplitter
from kluster_integrations.core.tools import (
    ReplyStream,
    ToolSpec,
    parse_bare_arguments,
    parse_tool_reply,
)

MB = 1_000_000
TOOLS = [
    ToolSpec(
        "multiply",
        "Multiply two integers.",
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    )
]
_C_LINES = (
    '    for (int i = 0; i < n; i++) { buf[i] = table[j] + f(x, "s{"); }\n'
    "    if (a[0] > 1) { int b[] = {1, 2, 3}; memcpy(out, b, sizeof b); }\n"
    '    struct point p = { .x = 1, .y = 2 }; printf("%d [%d]\\n", p.x, p.y);\n'
)


def c_code(size: int) -> str:
    """About ``size`` characters of C in a fence, with prose around it."""
    body = _C_LINES * (size // len(_C_LINES) + 1)
    return f"Here is the program:\n```c\nint main(void) {{\n{body[:size]}}}\n```\nDone."


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def stream(text: str, piece: int) -> tuple[float, float]:
    """Seconds to split ``text`` fed in ``piece``-character chunks, and the share of it
    shown before ``finish``."""
    pieces = [text[i : i + piece] for i in range(0, len(text), piece)]
    shown = 0

    def run() -> None:
        nonlocal shown
        splitter = ReplyStream(TOOLS)
        shown = sum(len(splitter.feed(p)) for p in pieces)
        splitter.finish()

    return timed(run), shown / len(text)


def think_after_whitespace(chunks: int) -> tuple[float, float]:
    pieces = [" "] * chunks + ["<think>", "hm", "</think>", "Hi."]

    def reasoning() -> None:
        splitter = ReasoningSplitter()
        for p in pieces:
            splitter.feed(p)
        splitter.finish()

    def replies() -> None:
        splitter = ReplyStream(TOOLS)
        for p in pieces:
            splitter.feed(p)
        splitter.finish()

    return timed(reasoning), timed(replies)


def row(what: str, size: float, unit: str, seconds: float, extra: str = "") -> None:
    per = seconds / size if size else 0.0
    print(f"| {what} | {size:g} {unit} | {seconds:.3f} | {per:.3f} s/{unit} | {extra} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="inputs a tenth of the size")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    print("| input | size | seconds | per unit | note |")
    print("|---|---|---|---|---|")
    for mb in (0.25, 0.5, 1.0):
        text = c_code(int(mb * MB * scale))
        row(
            "parse_tool_reply, C code in a fence",
            len(text) / MB,
            "MB",
            timed(lambda text=text: parse_tool_reply(text, TOOLS)),
        )
    brackets = "[" * int(100_000 * scale)
    row(
        "parse_tool_reply, a run of [",
        len(brackets) / MB,
        "MB",
        timed(lambda: parse_tool_reply(brackets, TOOLS)),
    )
    deep = nested(int(100_000 * scale))
    row(
        "parse_tool_reply, nested object",
        len(deep) / MB,
        "MB",
        timed(lambda: parse_tool_reply(deep, TOOLS)),
        f"depth {int(100_000 * scale):,}",
    )
    for mb in (1, 2, 4):
        text = c_code(int(mb * MB * scale))
        seconds, shown = stream(text, 64)
        row(
            "ReplyStream, C code in 64-char pieces",
            len(text) / MB,
            "MB",
            seconds,
            f"{shown:.1%} shown before the end",
        )
    for what, piece in (("{}", "{}"), ('{"x": 1}', '{"x": 1}'), ("{x}", "{x}")):
        text = piece * int(MB * scale / len(piece)) + "x"
        row(
            f"parse_bare_arguments, {what} repeated",
            len(text) / MB,
            "MB",
            timed(lambda text=text: parse_bare_arguments(text, TOOLS[0])),
        )
    chunks = int(80_000 * scale)
    reasoning_s, replies_s = think_after_whitespace(chunks)
    row(
        "ReasoningSplitter, whitespace before <think>",
        chunks / 100_000,
        "100k chunks",
        reasoning_s,
        "1-char chunks",
    )
    row(
        "ReplyStream, whitespace before <think>",
        chunks / 100_000,
        "100k chunks",
        replies_s,
        "1-char chunks",
    )


if __name__ == "__main__":
    main()
