"""Benchmarks for tool calling, beside the stock classes, in one run.

Run ``.venv/bin/python benchmarks/tools.py`` (``--quick`` for a smoke run). Like ``run.py``
it talks to a kluster.ai emulator in a separate process and prints Markdown tables:

1. per-call time of a tool request on a tool model (native tools): ``ChatKluster`` against
   stock ``ChatOpenAI`` and ``KlusterLLM`` against stock ``OpenAILike``, interleaved rounds;
2. request preparation of that tool request without the network (what the adapter adds);
3. prompted tools on a text-only model: the cost of parsing the reply (µs) and of the
   streaming splitter, beside the time of the whole prompted request.
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import KEY, emulator_process, interleaved, median_ms, relative, table

TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
QUESTION = "What is 6 times 7? Use multiply."
REPLY = (
    'I will use the tool for this.\n```json\n{"tool_calls": [{"name": "multiply", '
    '"arguments": {"a": 6, "b": 7}}]}\n```'
)


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def bench_tool_calls(base_url: str, rounds: int) -> None:
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI
    from llama_index.core.tools import FunctionTool
    from llama_index.llms.openai_like import OpenAILike

    from kluster_integrations.langchain.chat_models import ChatKluster
    from kluster_integrations.llama_index.llms import KlusterLLM

    lc_tool = tool(multiply)
    li_tool = FunctionTool.from_defaults(multiply)
    stock = ChatOpenAI(model=TOOL_MODEL, base_url=base_url, api_key=KEY, max_retries=0).bind_tools(
        [lc_tool]
    )
    ours = ChatKluster(model=TOOL_MODEL, max_retries=0).bind_tools([lc_tool])
    stock_li = OpenAILike(
        model=TOOL_MODEL,
        api_base=base_url,
        api_key=KEY,
        max_retries=0,
        is_chat_model=True,
        is_function_calling_model=True,
    )
    ours_li = KlusterLLM(model=TOOL_MODEL, max_retries=0)
    runners = {
        "ChatOpenAI.bind_tools.invoke": lambda: stock.invoke(QUESTION),
        "ChatKluster.bind_tools.invoke": lambda: ours.invoke(QUESTION),
        "OpenAILike.chat_with_tools": lambda: stock_li.chat_with_tools(
            [li_tool], user_msg=QUESTION
        ),
        "KlusterLLM.chat_with_tools": lambda: ours_li.chat_with_tools([li_tool], user_msg=QUESTION),
    }
    samples = interleaved(runners, rounds=rounds, per_round=10)
    ms = {name: median_ms(values) for name, values in samples.items()}
    rows = [
        (
            "LangChain",
            f"{ms['ChatOpenAI.bind_tools.invoke']:.2f}",
            f"{ms['ChatKluster.bind_tools.invoke']:.2f}",
            relative(ms["ChatKluster.bind_tools.invoke"], ms["ChatOpenAI.bind_tools.invoke"]),
        ),
        (
            "LlamaIndex",
            f"{ms['OpenAILike.chat_with_tools']:.2f}",
            f"{ms['KlusterLLM.chat_with_tools']:.2f}",
            relative(ms["KlusterLLM.chat_with_tools"], ms["OpenAILike.chat_with_tools"]),
        ),
    ]
    table(
        f"Tool request on a tool model ({TOOL_MODEL}), median ms per call",
        rows,
        ("framework", "stock", "kluster", "difference"),
    )


def bench_tool_preparation(repeats: int) -> None:
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    from kluster_integrations.langchain.chat_models import ChatKluster

    lc_tool = tool(multiply)
    stock = ChatOpenAI(model=TOOL_MODEL, base_url="http://127.0.0.1:9/v1", api_key=KEY)
    ours = ChatKluster(model=TOOL_MODEL, base_url="http://127.0.0.1:9/v1", api_key=KEY)
    prompted = ChatKluster(model=TEXT_MODEL, base_url="http://127.0.0.1:9/v1", api_key=KEY)
    stock_kwargs = stock.bind_tools([lc_tool]).kwargs  # type: ignore[attr-defined]
    ours_kwargs = ours.bind_tools([lc_tool]).kwargs  # type: ignore[attr-defined]

    def best(fn) -> float:
        return min(timeit.repeat(fn, number=repeats, repeat=5)) / repeats * 1e6

    stock_us = best(lambda: stock._get_request_payload(QUESTION, **stock_kwargs))
    ours_us = best(lambda: ours._get_request_payload(QUESTION, **ours_kwargs))
    prompted_us = best(lambda: prompted._get_request_payload(QUESTION, **ours_kwargs))
    table(
        "Preparing a tool request without the network (best of 5, µs)",
        [
            ("ChatOpenAI (stock)", f"{stock_us:.1f}", ""),
            ("ChatKluster, native tools", f"{ours_us:.1f}", f"+{ours_us - stock_us:.1f}"),
            ("ChatKluster, prompted tools", f"{prompted_us:.1f}", f"+{prompted_us - stock_us:.1f}"),
        ],
        ("request", "µs", "added"),
    )


def bench_prompted(base_url: str, rounds: int, repeats: int) -> None:
    from langchain_core.tools import tool

    from kluster_integrations.core.tools import ReplyStream, ToolSpec, parse_tool_reply
    from kluster_integrations.langchain.chat_models import ChatKluster

    spec = ToolSpec(
        "multiply",
        "Multiply two integers.",
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    )
    pieces = [REPLY[i : i + 6] for i in range(0, len(REPLY), 6)]

    def stream_split() -> None:
        splitter = ReplyStream([spec])
        for piece in pieces:
            splitter.feed(piece)
        splitter.finish()

    def best(fn) -> float:
        return min(timeit.repeat(fn, number=repeats, repeat=5)) / repeats * 1e6

    parse_us = best(lambda: parse_tool_reply(REPLY, [spec]))
    plain_us = best(lambda: parse_tool_reply("The answer is 42, no tool needed.", [spec]))
    split_us = best(stream_split)
    llm = ChatKluster(model=TEXT_MODEL, max_retries=0).bind_tools([tool(multiply)])
    samples = interleaved({"prompted": lambda: llm.invoke(QUESTION)}, rounds=rounds, per_round=10)
    request_us = median_ms(samples["prompted"]) * 1000
    table(
        f"Prompted tools on a text-only model ({TEXT_MODEL})",
        [
            (
                "parse a reply with a tool call",
                f"{parse_us:.1f}",
                f"{parse_us / request_us * 100:.2f}%",
            ),
            ("parse a plain-text reply", f"{plain_us:.1f}", f"{plain_us / request_us * 100:.2f}%"),
            (
                f"stream splitter, {len(pieces)} chunks",
                f"{split_us:.1f}",
                f"{split_us / request_us * 100:.2f}%",
            ),
            ("whole prompted request (median)", f"{request_us:.0f}", "100%"),
        ],
        ("step", "µs", "of the request"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (smoke run)")
    args = parser.parse_args()
    rounds, repeats = (2, 200) if args.quick else (12, 2000)
    with emulator_process() as base_url:
        os.environ["KLUSTER_BASE_URL"] = base_url
        os.environ["KLUSTER_API_KEY"] = KEY
        bench_tool_calls(base_url, rounds)
        bench_tool_preparation(repeats)
        bench_prompted(base_url, rounds, repeats)


if __name__ == "__main__":
    main()
