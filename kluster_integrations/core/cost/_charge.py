"""What one answer cost: its ``usage`` times its model's price, or ``None`` when either is
unknown (never 0).

``charge_for`` reads the usage of any answer (an openai SDK object or the JSON of a Batch
API line) defensively: a server answer is hostile, so token counts that are not whole
numbers from 0 to ``MAX_USAGE_TOKENS`` make the usage unknown rather than an error or a
float overflow. ``Bill`` sums the charges of one call (a call may send a second request,
and a stream learns its usage at the end).

Example::

    >>> from kluster_integrations.core.models import price_of
    >>> charge = charge_for("klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
    ...                     {"prompt_tokens": 1_000, "completion_tokens": 1_000})
    >>> charge.usd == 2_000 * 0.70 / 1e6, charge.input_tokens
    (True, 1000)
    >>> charge_for("klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", None).usd is None
    True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from kluster_integrations.core.models import price_of

#: More tokens than any answer can hold; a larger count is a broken answer.
MAX_USAGE_TOKENS = 1 << 40

#: Where both adapters put an answer's USD: LangChain's ``response_metadata``, LlamaIndex's
#: ``additional_kwargs``.
COST_FIELD = "cost_usd"


class Charge(NamedTuple):
    """One answer's tokens and USD (``usd`` is ``None`` when the price or the usage is
    unknown); ``window`` is the Batch completion window it was priced at (``None``:
    real-time). A named tuple: one is made per answer, and it is cheap."""

    model: str
    input_tokens: int
    output_tokens: int
    usd: float | None
    window: str | None = None

    @property
    def priced(self) -> bool:
        return self.usd is not None


def usage_tokens(usage: Any) -> tuple[int, int] | None:
    """``(input, output)`` tokens of a usage object or dict; ``None`` when unknown. An
    embeddings usage (no ``completion_tokens``) writes no output; a chat usage without it
    has ``total_tokens - prompt_tokens``."""
    if usage is None:
        return None
    if type(usage) is dict or (
        not hasattr(usage, "prompt_tokens") and isinstance(usage, Mapping)
    ):  # a Batch API line's JSON; else the SDK's object
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    else:
        prompt = getattr(usage, "prompt_tokens", None)
        completion = getattr(usage, "completion_tokens", None)
    if type(prompt) is not int or not 0 <= prompt <= MAX_USAGE_TOKENS:
        return None
    if type(completion) is int and 0 <= completion <= MAX_USAGE_TOKENS:
        return prompt, completion
    if completion is not None:
        return None
    total = (
        usage.get("total_tokens")
        if isinstance(usage, Mapping)
        else getattr(usage, "total_tokens", None)
    )
    if type(total) is int and prompt <= total <= MAX_USAGE_TOKENS:
        return prompt, total - prompt
    return None


def charge_for(model: str, usage: Any, window: str | None = None) -> Charge:
    """The charge of an answer from ``model`` with this ``usage``, at the real-time price or
    that of ``window``."""
    tokens = usage_tokens(usage)
    if tokens is None:
        return Charge(model, 0, 0, None, window)
    price = price_of(model, window, warn=False)  # warned when added up (CostTracker)
    usd = price.cost(*tokens) if price is not None else None
    return Charge(model, tokens[0], tokens[1], usd, window)


class Bill:
    """The charges of one call, as they come (a retried prompted tool call sends two
    requests; a stream's usage comes with its last chunk)."""

    __slots__ = ("charges",)

    def __init__(self, *charges: Charge) -> None:
        self.charges: list[Charge] = list(charges)

    def add(self, charge: Charge) -> None:
        self.charges.append(charge)

    @property
    def usd(self) -> float | None:
        """The call's USD; ``None`` before any charge, or when one of them is unknown."""
        if not self.charges or any(charge.usd is None for charge in self.charges):
            return None
        return sum(charge.usd for charge in self.charges if charge.usd is not None)

    def __repr__(self) -> str:
        return f"Bill(usd={self.usd!r}, requests={len(self.charges)})"


_batch_window: ContextVar[str | None] = ContextVar("kluster_batch_window", default=None)


@contextmanager
def priced_as_batch(window: str | None) -> Iterator[None]:
    """Answers read inside (``read_batch_answer``) are priced at this Batch completion
    window (``KlusterBatch`` wraps its results' conversion in it)."""
    token = _batch_window.set(window)
    try:
        yield
    finally:
        _batch_window.reset(token)


def batch_window() -> str | None:
    """The completion window set by ``priced_as_batch`` (``None``: real-time)."""
    return _batch_window.get()
