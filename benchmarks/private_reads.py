"""What each private part kept in ``core/transport/_sdk.py`` saves, per use (best of 5, µs).

- ``private_values(model)["_preparer"]`` against ``model._preparer`` (pydantic's
  ``__getattr__``, reached only after the normal lookup fails) on ``ChatKluster`` and
  ``KlusterLLM``: one read per request;
- ``pydantic_extra(message)`` against ``getattr(message, name, None)`` for the reasoning
  fields an SDK message does not declare: one read per answer and per streamed chunk;
- the SDK's ``build`` hook with pydantic's validator (``build_answer``) against the SDK's
  loose constructor, per completion and per chunk (``run.py``'s ``bench_answer_building``).

Run: ``.venv/bin/python benchmarks/private_reads.py`` (no network; a few seconds).
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

from openai.types.chat import ChatCompletionMessage
from run import bench_answer_building

from kluster_integrations.core.reasoning import REASONING_FIELDS
from kluster_integrations.core.transport import private_values, pydantic_extra
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM

NUMBER = 20_000
UNUSED_URL = "http://127.0.0.1:9/v1"


def best(case: Callable[[], object], number: int = NUMBER) -> float:
    return min(timeit.repeat(case, number=number, repeat=5)) / number * 1e6


def row(name: str, public: float, private: float) -> None:
    print(f"{name:<44} {public:>8.2f} {private:>8.2f} {public - private:>+8.2f}")


def main() -> None:
    print(f"{'read (µs per use, best of 5)':<44} {'public':>8} {'private':>8} {'saved':>8}")
    for model in (
        ChatKluster(api_key="k", base_url=UNUSED_URL),
        KlusterLLM(api_key="k", api_base=UNUSED_URL),
    ):
        row(
            f"{type(model).__name__}._preparer",
            best(lambda m=model: m._preparer),
            best(lambda m=model: private_values(m)["_preparer"]),
        )

    message = ChatCompletionMessage.model_validate({"role": "assistant", "content": "hi"})
    row(
        "reasoning fields of an SDK message",
        best(lambda: [getattr(message, name, None) for name in REASONING_FIELDS]),
        best(lambda: [(pydantic_extra(message) or {}).get(name) for name in REASONING_FIELDS]),
    )

    bench_answer_building()  # the SDK's ``build`` hook, from run.py


if __name__ == "__main__":
    main()
