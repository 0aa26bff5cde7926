"""Benchmark: what pricing each answer costs (docs/cost.md).

Run ``.venv/bin/python benchmarks/cost.py`` (``--quick`` for fewer rounds). No server is
involved. It prints:

- the accounting of one answer in the core (``core.cost``): its charge from the usage and the
  price, added to the call's bill and recorded, with no ``track_cost`` block open and with
  one; the goal is under 2 µs;
- each adapter's share: LangChain's ``response_metadata`` entry, and LlamaIndex's
  ``KlusterCostEvent`` through its dispatcher;
- whole ``invoke`` / ``chat`` calls against a canned answer in the same process (the
  transport of ``benchmarks/run.py``), beside the stock classes, and inside ``track_cost()``
  with ``get_kluster_callback()`` / ``get_kluster_cost_handler()`` open.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

from openai.types import CompletionUsage

from kluster_integrations import track_cost
from kluster_integrations.core.cost import Bill, charge_for, record

MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
USAGE = CompletionUsage(prompt_tokens=12, completion_tokens=14, total_tokens=26)


def best_us(run: Callable[[], object], number: int, rounds: int) -> float:
    """The best of ``rounds`` timings of ``number`` runs, in µs per run."""
    return min(timeit.repeat(run, number=number, repeat=rounds)) / number * 1e6


def row(name: str, micros: float) -> None:
    print(f"  {name:38} {micros:6.2f}")


def accounting(rounds: int) -> None:
    def one_answer() -> None:
        bill = Bill()
        charge = charge_for(MODEL, USAGE)
        bill.add(charge)
        record(charge)

    print("Pricing one answer in the core (best of rounds, µs)")
    row("empty function call, for scale", best_us(lambda: None, 100_000, rounds))
    row("charge_for (usage x price)", best_us(lambda: charge_for(MODEL, USAGE), 100_000, rounds))
    row("whole accounting, no block open", best_us(one_answer, 100_000, rounds))
    with track_cost():
        row("whole accounting, track_cost open", best_us(one_answer, 100_000, rounds))
        with track_cost():
            row("whole accounting, two blocks open", best_us(one_answer, 100_000, rounds))


def adapters(rounds: int) -> None:
    from kluster_integrations.llama_index import get_kluster_cost_handler
    from kluster_integrations.llama_index._cost import announce

    charge = charge_for(MODEL, USAGE)
    metadata: dict[str, object] = {}
    print("\nEach adapter's share (best of rounds, µs)")
    row(
        "LangChain: response_metadata entry",
        best_us(lambda: metadata.__setitem__("cost_usd", charge.usd), 100_000, rounds),
    )
    row(
        "LlamaIndex: KlusterCostEvent, no handler",
        best_us(lambda: announce(charge), 20_000, rounds),
    )
    with get_kluster_cost_handler():
        row(
            "LlamaIndex: KlusterCostEvent, handled",
            best_us(lambda: announce(charge), 5_000, rounds),
        )


def whole_calls(rounds: int) -> None:
    import openai
    from langchain_openai import ChatOpenAI
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike
    from run import KEY, PROMPT, _CannedAnswer

    from kluster_integrations.core.transport import GuardedTransport, GuardOptions
    from kluster_integrations.langchain import ChatKluster, get_kluster_callback
    from kluster_integrations.llama_index import KlusterLLM, get_kluster_cost_handler

    url = "https://kluster.test/v1"

    def plain() -> openai.DefaultHttpxClient:
        return openai.DefaultHttpxClient(transport=_CannedAnswer())

    def guarded() -> openai.DefaultHttpxClient:
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

    def tracked_invoke() -> object:
        with track_cost(), get_kluster_callback():
            return kluster.invoke(PROMPT)

    def tracked_chat() -> object:
        with track_cost(), get_kluster_cost_handler():
            return li_kluster.chat(messages)

    cases: dict[str, Callable[[], object]] = {
        "ChatOpenAI.invoke": lambda: stock.invoke(PROMPT),
        "ChatKluster.invoke": lambda: kluster.invoke(PROMPT),
        "ChatKluster.invoke, tracked": tracked_invoke,
        "OpenAILike.chat": lambda: li_stock.chat(messages),
        "KlusterLLM.chat": lambda: li_kluster.chat(messages),
        "KlusterLLM.chat, tracked": tracked_chat,
    }
    best = dict.fromkeys(cases, float("inf"))
    for r in range(rounds):
        names = list(cases)[r % 2 :] + list(cases)[: r % 2]
        for name in names:
            best[name] = min(best[name], best_us(cases[name], 200, 2))
    print("\nWhole calls, canned answer in the same process (best of rounds, µs)")
    for name, stock_name in (
        ("ChatOpenAI.invoke", None),
        ("ChatKluster.invoke", "ChatOpenAI.invoke"),
        ("ChatKluster.invoke, tracked", "ChatOpenAI.invoke"),
        ("OpenAILike.chat", None),
        ("KlusterLLM.chat", "OpenAILike.chat"),
        ("KlusterLLM.chat, tracked", "OpenAILike.chat"),
    ):
        versus = f"{best[name] - best[stock_name]:+6.0f} vs stock" if stock_name else ""
        print(f"  {name:30} {best[name]:6.0f}  {versus}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    args = parser.parse_args()
    rounds = 2 if args.quick else 7
    accounting(rounds)
    adapters(rounds)
    whole_calls(2 if args.quick else 8)


if __name__ == "__main__":
    main()
