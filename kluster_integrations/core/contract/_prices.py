"""What kluster.ai charges per token, real-time and per Batch API completion window, dated
and cited.

kluster.ai's own API publishes prices per model and account: ``GET /v1/models?extended=true``
returns ``pricing.realtime.{input,output}``, ``pricing.asynchronous.<window>.{input,output}``
and ``pricing.fineTunedRealtime.{input,output}``, in USD per token (kluster's OpenAPI schema
of June 2025, public repo papermoonio/kluster-mkdocs, ``spec/kluster_openapi_fixed.json``).
Its docs only linked to a pricing page, so the figures below come from public third-party
sources (``PRICES_SOURCE``, ``PRICES_DATE``) and are offline defaults: ``core.models``
replaces a model's prices by the live list's once it is loaded (``refresh_catalog``).

A price nobody published is ``None``, never 0: Magistral, Mistral NeMo, Mistral Small and
Verify have none, nor has any model a Batch price for a window not listed here.

Example::

    >>> KNOWN_PRICES["klusterai/Meta-Llama-3.1-8B-Instruct-Turbo"].at("24h").in_millions()
    (0.05, 0.05)
    >>> KNOWN_PRICES["mistralai/Mistral-Nemo-Instruct-2407"]
    Traceback (most recent call last):
    KeyError: 'mistralai/Mistral-Nemo-Instruct-2407'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

PRICES_DATE = "2026"
PRICES_SOURCE = (
    "real-time: Lava AI gateway's kluster.ai page (lava.so docs, 2026; Llama 4 Scout from "
    "bespokelabsai/curator); Batch 24h/48h/72h: bespokelabsai/curator "
    "_default_rate_limits.json; see shared/kluster-contract.md, 'Prices'"
)

#: The completion windows the extended model list may price (``pricing.asynchronous``, in
#: the OpenAPI schema of June 2025); jobs are submitted with ``BATCH_COMPLETION_WINDOWS``.
PRICED_WINDOWS = ("asap", "1h", "3h", "6h", "12h", "24h", "48h", "72h")

#: USD per token above which a price is read as a mistake (a figure per 1M tokens sent as
#: one per token would be a million times too dear): $1,000 per 1M tokens.
MAX_PRICE_PER_TOKEN = 1e-3

_MILLION = 1_000_000


def price_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a price in USD (``None``: it can); ``None`` itself is an
    unknown price, which is fine.

    >>> price_problem(0.7), price_problem(-1), price_problem("0.7")
    (None, 'is negative', 'is str, not a number')
    """
    if value is None:
        return None
    if type(value) not in (int, float):
        return f"is {type(value).__name__}, not a number"
    if not math.isfinite(value):
        return f"is {value!r}, not a finite number"
    if value < 0:
        return "is negative"
    return None


@dataclass(frozen=True)
class TokenPrice:
    """USD per input and per output token; ``None`` where the price is not known.

    >>> TokenPrice.per_million(0.70, 1.40).cost(1_000, 500)
    0.0014
    >>> TokenPrice.per_million(0.02, None).cost(1_000, 0)   # embeddings write no tokens
    2e-05
    >>> TokenPrice.per_million(0.02, None).cost(1_000, 10) is None
    True
    """

    input: float | None
    output: float | None

    @classmethod
    def per_million(cls, input: float | None, output: float | None) -> TokenPrice:
        """The price from figures in USD per 1M tokens, as price lists show them."""
        return cls(
            None if input is None else input / _MILLION,
            None if output is None else output / _MILLION,
        )

    def in_millions(self) -> tuple[float | None, float | None]:
        """``(input, output)`` in USD per 1M tokens, rounded to a hundredth of a cent."""
        return _per_million(self.input), _per_million(self.output)

    def cost(self, input_tokens: int, output_tokens: int) -> float | None:
        """USD for this many tokens; ``None`` when a price that matters is unknown (a
        count of 0 needs no price)."""
        total = 0.0
        if input_tokens:
            if self.input is None:
                return None
            total = input_tokens * self.input
        if output_tokens:
            if self.output is None:
                return None
            total += output_tokens * self.output
        return total


def _per_million(price: float | None) -> float | None:
    return None if price is None else round(price * _MILLION, 4)


@dataclass(frozen=True)
class ModelPrices:
    """One model's prices: real-time, per Batch completion window, and for its fine-tunes
    (``fine_tuned``: real-time calls to a fine-tune of this model)."""

    realtime: TokenPrice | None = None
    batch: Mapping[str, TokenPrice] = field(default_factory=lambda: MappingProxyType({}))
    fine_tuned: TokenPrice | None = None

    def at(self, window: str | None = None) -> TokenPrice | None:
        """The real-time price (``window=None``) or that completion window's."""
        return self.realtime if window is None else self.batch.get(window)


def _prices(
    realtime: tuple[float, float | None], batch: tuple[float, float, float] | None = None
) -> ModelPrices:
    """From USD per 1M tokens; ``batch``: one rate for input and output at 24h, 48h, 72h."""
    windows = {}
    if batch is not None:
        rates = zip(("24h", "48h", "72h"), batch, strict=True)
        windows = {window: TokenPrice.per_million(rate, rate) for window, rate in rates}
    return ModelPrices(TokenPrice.per_million(*realtime), MappingProxyType(windows))


KNOWN_PRICES: Mapping[str, ModelPrices] = MappingProxyType(
    {
        # Retired by July 2025; kept because its Batch rates show a 24h input token dearer
        # than a real-time one.
        "deepseek-ai/DeepSeek-R1": _prices((3.00, 5.00), (3.50, 3.00, 2.50)),
        "deepseek-ai/DeepSeek-R1-0528": _prices((3.00, 5.00)),
        "deepseek-ai/DeepSeek-V3-0324": _prices((0.70, 1.40), (0.63, 0.50, 0.35)),
        "google/gemma-3-27b-it": _prices((0.35, 0.35)),
        "klusterai/Meta-Llama-3.1-8B-Instruct-Turbo": _prices((0.18, 0.18), (0.05, 0.04, 0.03)),
        "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo": _prices((0.70, 0.70), (0.20, 0.18, 0.15)),
        "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8": _prices(
            (0.20, 0.80), (0.25, 0.20, 0.15)
        ),
        # Lava lists 0.80 / 0.45, which looks like a typo; curator has 0.08 / 0.45.
        "meta-llama/Llama-4-Scout-17B-16E-Instruct": _prices((0.08, 0.45)),
        "Qwen/Qwen2.5-VL-7B-Instruct": _prices((0.30, 0.30)),
        "Qwen/Qwen3-235B-A22B-FP8": _prices((0.15, 2.00)),
        # Priced per input token; an embeddings model writes no output tokens.
        "BAAI/bge-m3": _prices((0.02, None)),
    }
)
