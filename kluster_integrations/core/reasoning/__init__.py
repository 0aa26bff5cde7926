"""A reasoning model's ``<think>`` block kept apart from its answer, whole or while it
streams, and left out of (or put back into) the history.

Example::

    >>> from kluster_integrations.core.reasoning import split_reasoning
    >>> split_reasoning("<think>hm</think>Yes.")
    Split(reasoning='hm', answer='Yes.')
"""

from kluster_integrations.core.reasoning._placement import (
    FIELD,
    DeltaSplitter,
    place_reasoning,
    separate_completion,
)
from kluster_integrations.core.reasoning._split import (
    CLOSE_TAG,
    OPEN_TAG,
    REASONING_FIELDS,
    ReasoningMode,
    ReasoningSplitter,
    Split,
    answer_start,
    check_reasoning_mode,
    reasoning_field,
    resolve_reasoning_mode,
    split_reasoning,
    strip_history_reasoning,
    with_reasoning,
)

__all__ = [
    "CLOSE_TAG",
    "FIELD",
    "OPEN_TAG",
    "REASONING_FIELDS",
    "DeltaSplitter",
    "ReasoningMode",
    "ReasoningSplitter",
    "Split",
    "answer_start",
    "check_reasoning_mode",
    "place_reasoning",
    "reasoning_field",
    "resolve_reasoning_mode",
    "separate_completion",
    "split_reasoning",
    "strip_history_reasoning",
    "with_reasoning",
]
