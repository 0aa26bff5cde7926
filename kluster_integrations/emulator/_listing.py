"""The emulator's ``GET /v1/models`` entries, extended ones as kluster's OpenAPI schema of
June 2025 describes them: capabilities, token limits, ``pricing`` (USD per token, from the
contract's price table; a model without known prices has no ``pricing``). ``limits`` are
listed only while the emulator enforces some (``set_rate_limits``; the app adds them): it
states no made-up account limits.

Example::

    >>> entry = model_entry(KNOWN_MODELS["BAAI/bge-m3"], extended=True)
    >>> entry["pricing"]["realtime"], "limits" in entry
    ({'input': 2e-08, 'output': None}, False)
"""

from __future__ import annotations

from typing import Any

from kluster_integrations.core.contract import (
    KNOWN_MODELS,
    KNOWN_PRICES,
    ModelInfo,
    TokenPrice,
)

__all__ = ["KNOWN_MODELS", "model_entry"]


def _price(price: TokenPrice) -> dict[str, float | None]:
    return {"input": price.input, "output": price.output}


def _pricing(model_id: str) -> dict[str, Any] | None:
    prices = KNOWN_PRICES.get(model_id)
    if prices is None:
        return None
    pricing: dict[str, Any] = {
        "asynchronous": {window: _price(p) for window, p in prices.batch.items()}
    }
    if prices.realtime is not None:
        pricing["realtime"] = _price(prices.realtime)
    return pricing


def model_entry(info: ModelInfo, extended: bool) -> dict[str, Any]:
    """One model's entry in the list (``extended``: with ``?extended=true``)."""
    entry: dict[str, Any] = {
        "id": info.id,
        "object": "model",
        "created": 1_735_689_600,
        "owned_by": info.id.split("/", 1)[0],
    }
    if extended:
        entry.update(
            {
                "context_length": info.context_window,
                "output_length": info.max_output_tokens,
                "model_purpose": info.purpose,
                "tools_supported": info.supports("tools"),
                "reasoning_model": "yes" if info.supports("reasoning") else "no",
                "tags": sorted(info.capabilities - {"reasoning", "embeddings", "tools"}),
            }
        )
        pricing = _pricing(info.id)
        if pricing is not None:
            entry["pricing"] = pricing
    return entry
