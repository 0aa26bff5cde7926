"""What LangChain runs cost: ``get_kluster_callback()``, like ``get_openai_callback()`` but
priced from kluster.ai's prices.

``ChatKluster`` puts each answer's USD in ``response_metadata["cost_usd"]`` (``None`` when
the price or the usage is unknown); the handler adds up every ``ChatKluster`` result that
ends inside the block, in any chain, agent or graph, sync or async, with the tokens of
``usage_metadata``. Embeddings and Batch API results have no LangChain callback: count them
with ``kluster_integrations.track_cost()``, which sees everything.

Example::

    from kluster_integrations.langchain import get_kluster_callback

    with get_kluster_callback() as cb:
        agent.invoke({"messages": [("user", "What is 6 x 7?")]})
    print(f"${cb.total_cost:.6f}, {cb.total_tokens} tokens, {cb.successful_requests} calls")
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook

from kluster_integrations.core.cost import COST_FIELD, Charge, CostTotals, CostTracker


class KlusterCallbackHandler(BaseCallbackHandler):
    """Adds up ``ChatKluster`` results: ``total_cost`` (USD of the priced ones),
    ``prompt_tokens``, ``completion_tokens``, ``total_tokens``, ``successful_requests``,
    and ``unpriced_requests`` (cost unknown: ``total_cost`` leaves them out); ``by_model``
    per model. Thread-safe; pass it as a callback or use ``get_kluster_callback``."""

    run_inline = True  # cheap and thread-safe: no executor hop in async runs

    def __init__(self) -> None:
        super().__init__()
        self.tracker = CostTracker()

    @property
    def total_cost(self) -> float:
        return self.tracker.total_usd

    @property
    def prompt_tokens(self) -> int:
        return self.tracker.input_tokens

    @property
    def completion_tokens(self) -> int:
        return self.tracker.output_tokens

    @property
    def total_tokens(self) -> int:
        return self.tracker.input_tokens + self.tracker.output_tokens

    @property
    def successful_requests(self) -> int:
        return self.tracker.requests

    @property
    def unpriced_requests(self) -> int:
        return self.tracker.unpriced_requests

    @property
    def by_model(self) -> Mapping[str, CostTotals]:
        return self.tracker.by_model

    def __repr__(self) -> str:
        return (
            f"Tokens Used: {self.total_tokens}\n"
            f"\tPrompt Tokens: {self.prompt_tokens}\n"
            f"\tCompletion Tokens: {self.completion_tokens}\n"
            f"Successful Requests: {self.successful_requests}\n"
            f"Unpriced Requests: {self.unpriced_requests}\n"
            f"Total Cost (USD): ${self.total_cost:.6f}"
        )

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Count each generation ``ChatKluster`` priced (one per request, ``n > 1``
        included)."""
        for generations in response.generations:
            for generation in generations:
                charge = _charge_of(generation)
                if charge is not None:
                    self.tracker.add(charge)


def _charge_of(generation: Any) -> Charge | None:
    """The charge a ``ChatKluster`` generation carries (``None``: not one of ours)."""
    message = generation.message if isinstance(generation, ChatGeneration) else None
    if not isinstance(message, AIMessage) or COST_FIELD not in message.response_metadata:
        return None
    metadata = message.response_metadata
    usage = message.usage_metadata
    usd = metadata[COST_FIELD]
    return Charge(
        str(metadata.get("model_name")),
        usage["input_tokens"] if usage else 0,
        usage["output_tokens"] if usage else 0,
        usd if isinstance(usd, float) else None,
    )


_current: ContextVar[KlusterCallbackHandler | None] = ContextVar("kluster_callback", default=None)
register_configure_hook(_current, inheritable=True)


@contextmanager
def get_kluster_callback() -> Iterator[KlusterCallbackHandler]:
    """A ``KlusterCallbackHandler`` given to every LangChain run inside the block."""
    handler = KlusterCallbackHandler()
    token = _current.set(handler)
    try:
        yield handler
    finally:
        _current.reset(token)
