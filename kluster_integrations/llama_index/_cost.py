"""What LlamaIndex runs cost, through LlamaIndex's instrumentation (its recommended way to
observe runs since 0.10.20): every ``KlusterLLM`` answer and ``KlusterEmbedding`` request
dispatches a ``KlusterCostEvent``; a ``KlusterCostHandler`` on the root dispatcher adds
them up, for every query engine, agent and workflow of the process (``Settings``-wide).

``ChatResponse.additional_kwargs["cost_usd"]`` (and ``CompletionResponse``'s) carries each
answer's USD as well. Batch API results dispatch nothing (they are no calls): count them
with ``kluster_integrations.track_cost()``.

Example::

    from kluster_integrations.llama_index import get_kluster_cost_handler

    with get_kluster_cost_handler() as cost:
        index = VectorStoreIndex.from_documents(documents)
        index.as_query_engine().query("Which embedding model does kluster.ai serve?")
    print(f"${cost.total_usd:.6f} for {cost.requests} requests")

    # or for the whole process:
    from llama_index.core.instrumentation import get_dispatcher
    get_dispatcher().add_event_handler(KlusterCostHandler())
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.instrumentation import Dispatcher, NullEventHandler, get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent

from kluster_integrations.core.cost import Bill, Charge, CostTotals, CostTracker

_dispatcher = get_dispatcher(__name__)


class KlusterCostEvent(BaseEvent):
    """One kluster.ai request answered: its model, tokens and USD (``None``: unknown)."""

    model: str
    kind: Literal["chat", "embeddings"]
    input_tokens: int
    output_tokens: int
    cost_usd: float | None

    @classmethod
    def class_name(cls) -> str:
        return "KlusterCostEvent"


class KlusterCostHandler(BaseEventHandler):
    """Adds up ``KlusterCostEvent`` s: ``total_usd`` (of the priced requests),
    ``input_tokens``, ``output_tokens``, ``requests``, ``unpriced_requests`` (cost unknown:
    ``total_usd`` leaves them out) and ``by_model``. Thread-safe."""

    _tracker: CostTracker = PrivateAttr(default_factory=CostTracker)

    @classmethod
    def class_name(cls) -> str:
        return "KlusterCostHandler"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if isinstance(event, KlusterCostEvent):
            self._tracker.add(
                Charge(event.model, event.input_tokens, event.output_tokens, event.cost_usd)
            )

    @property
    def total_usd(self) -> float:
        return self._tracker.total_usd

    @property
    def input_tokens(self) -> int:
        return self._tracker.input_tokens

    @property
    def output_tokens(self) -> int:
        return self._tracker.output_tokens

    @property
    def requests(self) -> int:
        return self._tracker.requests

    @property
    def unpriced_requests(self) -> int:
        return self._tracker.unpriced_requests

    @property
    def by_model(self) -> Mapping[str, CostTotals]:
        return self._tracker.by_model


def _heard() -> bool:
    """Whether an event handler would receive an event of this module (building one costs
    more than the accounting itself: skipped when nothing listens)."""
    dispatcher: Dispatcher | None = _dispatcher
    while dispatcher is not None:
        if any(not isinstance(h, NullEventHandler) for h in dispatcher.event_handlers):
            return True
        dispatcher = dispatcher.parent if dispatcher.propagate else None
    return False


def announce(charge: Charge, kind: Literal["chat", "embeddings"] = "chat") -> None:
    """Dispatch ``charge`` as a ``KlusterCostEvent`` (when a handler listens)."""
    if not _heard():
        return
    _dispatcher.event(
        KlusterCostEvent(
            model=charge.model,
            kind=kind,
            input_tokens=charge.input_tokens,
            output_tokens=charge.output_tokens,
            cost_usd=charge.usd,
        )
    )


def announce_bill(bill: Bill) -> None:
    """Dispatch each request of one call."""
    for charge in bill.charges:
        announce(charge)


def announce_embeddings(charge: Charge) -> None:
    """Dispatch one embeddings request (``CheckedEmbeddings``' ``on_charge``)."""
    announce(charge, "embeddings")


@contextmanager
def get_kluster_cost_handler() -> Iterator[KlusterCostHandler]:
    """A ``KlusterCostHandler`` on the root dispatcher for the block: every kluster.ai
    request of the process inside it is counted."""
    handler = KlusterCostHandler()
    root = get_dispatcher()
    root.add_event_handler(handler)
    try:
        yield handler
    finally:
        root.event_handlers = [h for h in root.event_handlers if h is not handler]
