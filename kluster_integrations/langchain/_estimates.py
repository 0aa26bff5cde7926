"""``ChatKluster``'s estimates before anything is sent: token counts (kluster.ai's models do
not use tiktoken, so LangChain's approximate count) and what a Batch API job would cost.

Example::

    llm.get_num_tokens("Hello!")
    estimate = llm.estimate_batch_cost(["Classify: great movie"] * 200, completion_window="48h")
    print(f"at most ${estimate.batch_usd:.4f} (real-time: ${estimate.realtime_usd:.4f})")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.messages.utils import count_tokens_approximately

from kluster_integrations.core.batch_api import estimate_inputs
from kluster_integrations.core.contract import DEFAULT_COMPLETION_WINDOW
from kluster_integrations.core.cost import BatchEstimate


class EstimateMethods:
    """Token counts and Batch cost estimates on a ``ChatKluster`` (mixed into the class)."""

    custom_get_token_ids: Any

    def get_num_tokens_from_messages(
        self, messages: Sequence[BaseMessage], tools: Sequence[Any] | None = None, **kwargs: Any
    ) -> int:
        """An estimate (kluster.ai's models do not use tiktoken); fits ``trim_messages``."""
        return count_tokens_approximately(messages, tools=list(tools) if tools else None)

    def get_num_tokens(self, text: str) -> int:
        """``custom_get_token_ids`` when given, else the same estimate as for messages."""
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        return count_tokens_approximately([text], extra_tokens_per_message=0)

    def estimate_batch_cost(
        self,
        inputs: Sequence[LanguageModelInput],
        *,
        completion_window: str = DEFAULT_COMPLETION_WINDOW,
        schema: Any = None,
        **kwargs: Any,
    ) -> BatchEstimate:
        """The most ``submit_batch(inputs, ...)`` (same arguments) would cost, beside the
        same requests real-time: prompt tokens estimated from the text, output bounded by
        ``max_tokens`` (else the model's output limit). Nothing is sent."""
        codec = self._batch_codec(schema, kwargs)  # type: ignore[attr-defined]
        return estimate_inputs(inputs, codec, completion_window=completion_window)
