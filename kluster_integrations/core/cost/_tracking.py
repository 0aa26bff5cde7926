"""Cost across a whole run: ``track_cost()`` sums every answer of this package inside it.

Every chat answer, stream, embeddings request and Batch API result read inside the block
is recorded (``record``) by the answer path, whichever framework or thread made it: the
block's trackers live in a context variable, which asyncio tasks and LangChain's thread
pools copy. A thread started by hand does not copy it (run it with
``contextvars.copy_context().run``). Blocks nest: an answer counts in each open one.

Example::

    from kluster_integrations import track_cost

    with track_cost() as cost:
        llm.invoke("Hi")
        await llm.abatch(["a", "b"])
    cost.total_usd, cost.requests, cost.unpriced_requests
    cost.by_model["klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"].input_tokens
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from kluster_integrations.core.cost._charge import Charge
from kluster_integrations.core.models import warn_unpriced


@dataclass(frozen=True)
class CostTotals:
    """Sums over answers: ``total_usd`` of those priced, tokens of all, ``requests``
    answered, and ``unpriced_requests``, whose cost is unknown (no price for the model or
    window, or no usage in the answer): a ``total_usd`` with unpriced requests is partial."""

    total_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    unpriced_requests: int = 0

    def plus(self, charge: Charge) -> CostTotals:
        return CostTotals(
            self.total_usd + (charge.usd or 0.0),
            self.input_tokens + charge.input_tokens,
            self.output_tokens + charge.output_tokens,
            self.requests + 1,
            self.unpriced_requests + (charge.usd is None),
        )


class _Sums:
    """``CostTotals`` being added up (cheaper to grow than to rebuild per answer)."""

    __slots__ = ("input_tokens", "output_tokens", "requests", "total_usd", "unpriced_requests")

    def __init__(self) -> None:
        self.total_usd = 0.0
        self.input_tokens = self.output_tokens = self.requests = self.unpriced_requests = 0

    def add(self, charge: Charge) -> None:
        if charge.usd is None:
            self.unpriced_requests += 1
        else:
            self.total_usd += charge.usd
        self.input_tokens += charge.input_tokens
        self.output_tokens += charge.output_tokens
        self.requests += 1

    def totals(self) -> CostTotals:
        return CostTotals(
            self.total_usd,
            self.input_tokens,
            self.output_tokens,
            self.requests,
            self.unpriced_requests,
        )


class CostTracker:
    """Totals that grow as answers are recorded; thread-safe. ``by_model`` maps each model
    id to its own ``CostTotals``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sums = _Sums()
        self._by_model: dict[str, _Sums] = {}

    def add(self, charge: Charge) -> None:
        """Count one answer; one whose usage came but whose price is unknown warns once
        per model (``UnpricedModelWarning``): the totals leave it out."""
        if charge.usd is None and (charge.input_tokens or charge.output_tokens):
            warn_unpriced(charge.model, charge.window)
        with self._lock:
            self._sums.add(charge)
            per_model = self._by_model.get(charge.model)
            if per_model is None:
                per_model = self._by_model[charge.model] = _Sums()
            per_model.add(charge)

    @property
    def totals(self) -> CostTotals:
        with self._lock:
            return self._sums.totals()

    @property
    def total_usd(self) -> float:
        return self._sums.total_usd

    @property
    def input_tokens(self) -> int:
        return self._sums.input_tokens

    @property
    def output_tokens(self) -> int:
        return self._sums.output_tokens

    @property
    def requests(self) -> int:
        return self._sums.requests

    @property
    def unpriced_requests(self) -> int:
        return self._sums.unpriced_requests

    @property
    def by_model(self) -> Mapping[str, CostTotals]:
        with self._lock:
            return {model: sums.totals() for model, sums in self._by_model.items()}

    def __repr__(self) -> str:
        t = self.totals
        return (
            f"CostTracker(total_usd={t.total_usd:.6f}, input_tokens={t.input_tokens}, "
            f"output_tokens={t.output_tokens}, requests={t.requests}, "
            f"unpriced_requests={t.unpriced_requests})"
        )


_open: ContextVar[tuple[CostTracker, ...]] = ContextVar("kluster_cost_trackers", default=())


@contextmanager
def track_cost() -> Iterator[CostTracker]:
    """A ``CostTracker`` that counts every answer of this package inside the block."""
    tracker = CostTracker()
    token = _open.set((*_open.get(), tracker))
    try:
        yield tracker
    finally:
        _open.reset(token)


def record(charge: Charge) -> None:
    """Count ``charge`` in every open ``track_cost`` block (the answer path calls it once
    per answer)."""
    for tracker in _open.get():
        tracker.add(charge)
