"""Adaptive inference: a chat call kluster.ai queues answers with a placeholder text.

The adapters pass each real-time answer's text through ``reject_placeholder`` so that the
placeholder is never handed over as if it were the model's answer.

Example::

    reject_placeholder(ADAPTIVE_INFERENCE_PLACEHOLDER)   # AdaptiveInferenceQueuedError
"""

from __future__ import annotations

from typing import Any

from kluster_integrations.core.contract import ADAPTIVE_INFERENCE_PLACEHOLDER
from kluster_integrations.core.errors import AdaptiveInferenceQueuedError


def reject_placeholder(text: Any) -> None:
    """Raise ``AdaptiveInferenceQueuedError`` when ``text`` is kluster's queued placeholder."""
    if isinstance(text, str) and text.strip() == ADAPTIVE_INFERENCE_PLACEHOLDER:
        raise AdaptiveInferenceQueuedError()


def reject_placeholder_completion(completion: Any) -> None:
    """``reject_placeholder`` for an openai ``ChatCompletion`` (first choice's content)."""
    choices = getattr(completion, "choices", None) or []
    message = getattr(choices[0], "message", None) if choices else None
    reject_placeholder(getattr(message, "content", None))
