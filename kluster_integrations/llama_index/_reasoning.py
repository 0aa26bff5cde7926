"""Reasoning models in LlamaIndex: earlier turns' thinking sent back when asked.

The answer path (``core.answer``) moves a reasoning model's ``<think>`` block into the
answer's ``reasoning_content`` field, which becomes a ``ThinkingBlock`` (and, streamed,
``additional_kwargs["thinking_delta"]``; see ``_responses``). LlamaIndex leaves thinking out
of the history it sends; with ``keep_reasoning_in_history=True``, ``history_with_reasoning``
puts it back before each assistant turn's text as a ``<think>`` block.

Example::

    llm = KlusterLLM(model="deepseek-ai/DeepSeek-R1-0528", keep_reasoning_in_history=True)
    llm.chat([*earlier_turns, ChatMessage(role="user", content="And 97?")])
"""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.base.llms.types import ChatMessage, MessageRole, TextBlock, ThinkingBlock

from kluster_integrations.core.reasoning import with_reasoning
from kluster_integrations.llama_index._responses import thinking_of


def history_with_reasoning(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """Assistant turns with their ``ThinkingBlock`` put back before the text as a ``<think>``
    block, for ``keep_reasoning_in_history=True`` (LlamaIndex leaves thinking out)."""
    out = []
    for message in messages:
        thinking = thinking_of(message) if message.role == MessageRole.ASSISTANT else None
        if thinking is not None:
            rest = [b for b in message.blocks if not isinstance(b, ThinkingBlock)]
            text = "".join(b.text for b in rest if isinstance(b, TextBlock))
            others = [b for b in rest if not isinstance(b, TextBlock)]
            message = message.model_copy(
                update={"blocks": [TextBlock(text=with_reasoning(text, thinking)), *others]}
            )
        out.append(message)
    return out
