"""What a Batch API job costs: its results at the completion window's price, beside the same
tokens at real-time prices; and before submitting, an estimate from the requests.

kluster.ai prices each completion window on its own, and not always below real-time (a 24h
input token of some models costs more), so both figures are shown side by side.

Example::

    >>> bodies = [{"model": "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
    ...            "messages": [{"role": "user", "content": "Classify: great movie"}],
    ...            "max_completion_tokens": 5}] * 100
    >>> estimate = estimate_batch_cost(bodies, "24h")
    >>> estimate.requests, estimate.max_output_tokens, estimate.batch_usd < estimate.realtime_usd
    (100, 500, True)

    counter = BatchCostCounter()
    for body, window in answers:          # chat-completion bodies of a finished job
        counter.add(body, window)
    counter.result().total_usd
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kluster_integrations.core.contract import FALLBACK_MAX_OUTPUT
from kluster_integrations.core.cost._charge import Charge, charge_for
from kluster_integrations.core.cost._tracking import CostTotals
from kluster_integrations.core.models import lookup_model, price_of, warn_unpriced

#: The estimate's rule of thumb: about 4 characters a token, 3 tokens a message.
CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 3


def _sum_or_none(values: Iterable[float | None]) -> float | None:
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return total


@dataclass(frozen=True)
class BatchCost:
    """A finished job's cost: ``total_usd`` at its completion window's prices (what kluster
    charges; the priced results only, see ``unpriced_requests``) and ``realtime_usd``, the
    same tokens at real-time prices (``None`` when one is unknown)."""

    window: str | None
    total_usd: float
    realtime_usd: float | None
    input_tokens: int
    output_tokens: int
    requests: int
    unpriced_requests: int
    by_model: Mapping[str, CostTotals] = field(default_factory=dict)

    @property
    def savings_usd(self) -> float | None:
        """What the Batch API saved against real-time (negative: it cost more); ``None``
        unless every result is priced both ways."""
        if self.realtime_usd is None or self.unpriced_requests:
            return None
        return self.realtime_usd - self.total_usd


class BatchCostCounter:
    """Adds up a job's answers one by one (memory does not grow with the job)."""

    def __init__(self) -> None:
        self._totals = CostTotals()
        self._by_model: dict[str, CostTotals] = {}
        self._realtime: float | None = 0.0
        self._windows: set[str | None] = set()

    def add(self, body: Mapping[str, Any], window: str | None) -> Charge:
        """Count one chat-completion body answered in ``window``; returns its charge."""
        model = str(body.get("model"))
        usage = body.get("usage")
        charge = charge_for(model, usage, window)
        if charge.usd is None and (charge.input_tokens or charge.output_tokens):
            warn_unpriced(model, window)
        self._totals = self._totals.plus(charge)
        self._by_model[model] = self._by_model.get(model, CostTotals()).plus(charge)
        self._windows.add(window)
        if self._realtime is not None:
            realtime = charge_for(model, usage).usd  # unknown: no savings figure
            self._realtime = None if realtime is None else self._realtime + realtime
        return charge

    def result(self) -> BatchCost:
        totals = self._totals
        window = next(iter(self._windows)) if len(self._windows) == 1 else None
        return BatchCost(
            window=window,
            total_usd=totals.total_usd,
            realtime_usd=self._realtime,
            input_tokens=totals.input_tokens,
            output_tokens=totals.output_tokens,
            requests=totals.requests,
            unpriced_requests=totals.unpriced_requests,
            by_model=dict(self._by_model),
        )


@dataclass(frozen=True)
class BatchEstimate:
    """What a job would cost at most, before it is submitted: ``input_tokens`` estimated
    from the text (about ``CHARS_PER_TOKEN`` characters a token), output bounded by each
    request's ``max_completion_tokens`` (else its model's output limit). ``batch_usd`` at
    the window's prices, ``realtime_usd`` the same requests real-time; ``None`` where a
    price is unknown."""

    window: str
    requests: int
    input_tokens: int
    max_output_tokens: int
    batch_usd: float | None
    realtime_usd: float | None

    @property
    def savings_usd(self) -> float | None:
        """Real-time minus Batch (negative: the Batch API would cost more)."""
        if self.batch_usd is None or self.realtime_usd is None:
            return None
        return self.realtime_usd - self.batch_usd


def estimated_input_tokens(body: Mapping[str, Any]) -> int:
    """A rough count of a chat request's prompt tokens (the text of its messages; images
    and tool definitions are not counted)."""
    chars = 0
    messages = body.get("messages")
    count = len(messages) if isinstance(messages, list) else 0
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            chars += sum(
                len(part["text"])
                for part in content
                if isinstance(part, Mapping) and isinstance(part.get("text"), str)
            )
    return math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * count


def max_output_tokens(body: Mapping[str, Any]) -> int:
    """The most tokens a request can be answered with."""
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if type(value) is int and value > 0:
            return value
    info = lookup_model(str(body.get("model")))
    return info.max_output_tokens if info is not None else FALLBACK_MAX_OUTPUT


def estimate_batch_cost(bodies: Iterable[Mapping[str, Any]], window: str) -> BatchEstimate:
    """The most the requests ``bodies`` would cost as a job in ``window``, and real-time."""
    requests = input_total = output_total = 0
    batch: list[float | None] = []
    realtime: list[float | None] = []
    for body in bodies:
        model = str(body.get("model"))
        tokens = estimated_input_tokens(body), max_output_tokens(body)
        requests += 1
        input_total += tokens[0]
        output_total += tokens[1]
        for prices, at in ((batch, window), (realtime, None)):
            price = price_of(model, at)
            prices.append(price.cost(*tokens) if price is not None else None)
    return BatchEstimate(
        window=window,
        requests=requests,
        input_tokens=input_total,
        max_output_tokens=output_total,
        batch_usd=_sum_or_none(batch),
        realtime_usd=_sum_or_none(realtime),
    )
