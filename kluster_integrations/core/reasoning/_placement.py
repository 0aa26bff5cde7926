"""A reasoning model's thinking moved out of an answer's text, into the answer's
``reasoning_content`` field (or dropped), on the openai SDK objects themselves.

The answer path runs these on every answer, so both adapters read one shape: ``content``
holds the answer, ``reasoning_content`` the thinking (``"separate"``); with ``"drop"`` the
thinking is gone, fields included; ``"inline"`` leaves the answer as the model wrote it.
Streamed deltas are split as they arrive (``DeltaSplitter``), never showing a partial tag;
the chunk with ``finish_reason`` flushes what was held.

Example::

    separate_completion(completion, "separate")
    completion.choices[0].message.content             # the answer only
    completion.choices[0].message.reasoning_content   # the thinking
"""

from __future__ import annotations

from typing import Any

from kluster_integrations.core.reasoning._split import (
    REASONING_FIELDS,
    ReasoningMode,
    ReasoningSplitter,
    reasoning_field,
    split_reasoning,
)
from kluster_integrations.core.transport import pydantic_extra

#: The field the thinking is put in (the one LlamaIndex and langchain-deepseek read first).
FIELD = REASONING_FIELDS[0]


def place_reasoning(target: Any, answer: str, reasoning: str, mode: ReasoningMode) -> None:
    """Put ``answer`` in ``target.content`` and ``reasoning`` where ``mode`` says (in
    ``FIELD``; the other reasoning fields are cleared so no reader falls back on them)."""
    target.content = answer
    value = reasoning if mode == "separate" else None
    extra = pydantic_extra(target)
    declared = getattr(target, "__dict__", {})
    for name in REASONING_FIELDS:
        wanted = value if name == FIELD else None
        if extra is not None and name not in declared:
            # where pydantic keeps undeclared fields; setattr would put it there too, slower
            if wanted is not None or extra.get(name) is not None:
                extra[name] = wanted
        elif wanted is not None or getattr(target, name, None) is not None:
            setattr(target, name, wanted)


def separate_completion(completion: Any, mode: ReasoningMode) -> Any:
    """A chat completion (SDK object) with each choice's thinking moved as ``mode`` says."""
    if mode == "inline":
        return completion
    for choice in getattr(completion, "choices", None) or ():
        message = choice.message
        if isinstance(message.content, str) or reasoning_field(message) is not None:
            split = split_reasoning(message.content, reasoning_field(message))
            place_reasoning(message, split.answer, split.reasoning, mode)
    return completion


class DeltaSplitter:
    """Moves each streamed delta's thinking as ``mode`` says; one per stream."""

    __slots__ = ("mode", "splitter")

    def __init__(self, mode: ReasoningMode) -> None:
        self.mode = mode
        self.splitter = ReasoningSplitter()

    def __call__(self, chunk: Any) -> Any:
        if not chunk.choices:
            return chunk
        choice = chunk.choices[0]
        delta = choice.delta
        if delta is None:
            return chunk
        content = delta.content
        field = reasoning_field(delta)
        split = self.splitter.feed(content, field)
        if choice.finish_reason:
            rest = self.splitter.finish()
            split = split._replace(
                reasoning=split.reasoning + rest.reasoning, answer=split.answer + rest.answer
            )
        if field is None and not split.reasoning and split.answer == (content or ""):
            return chunk  # nothing to move (the answer after the thinking, or no thinking)
        place_reasoning(delta, split.answer, split.reasoning, self.mode)
        return chunk
