"""What a Batch API job of a ``KlusterLLM`` would cost, before anything is sent.

Example::

    estimate = llm.estimate_batch_cost(["Summarise: ..."] * 200, completion_window="72h")
    print(f"at most ${estimate.batch_usd:.4f} (real-time: ${estimate.realtime_usd:.4f})")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kluster_integrations.core.batch_api import estimate_inputs
from kluster_integrations.core.contract import DEFAULT_COMPLETION_WINDOW
from kluster_integrations.core.cost import BatchEstimate
from kluster_integrations.llama_index._batch_api import chat_inputs


class EstimateMethods:
    """Batch cost estimates on a ``KlusterLLM`` (mixed into the class)."""

    def estimate_batch_cost(
        self,
        inputs: Sequence[Any],
        *,
        completion_window: str = DEFAULT_COMPLETION_WINDOW,
        **kwargs: Any,
    ) -> BatchEstimate:
        """The most ``submit_batch(inputs, ...)`` (same arguments) would cost, beside the
        same requests real-time: prompt tokens estimated from the text, output bounded by
        ``max_tokens`` (else the model's output limit). Nothing is sent."""
        codec = self._batch_codec(kwargs)  # type: ignore[attr-defined]
        return estimate_inputs(chat_inputs(inputs), codec, completion_window=completion_window)
