"""Reasoning models in LangChain: the thinking goes to ``additional_kwargs["reasoning_content"]``.

The answer path (``core.answer``) moves a leading ``<think>`` block out of ``content`` into
the answer's ``reasoning_content`` field; ``note_reasoning`` puts that field in
``additional_kwargs["reasoning_content"]``, where
langchain-deepseek, ChatOllama and langchain-groq put it too; streamed chunks carry their
piece of it, so adding the chunks up gives the same message as ``invoke``. Every message
and chunk (real-time or batch, any reasoning mode) is marked
``response_metadata["model_provider"] = "kluster"``, whose content-block translator
(registered here with langchain-core) puts a ``{"type": "reasoning"}`` block first in
``content_blocks`` when there is thinking, then what the ``"openai"`` translator gives
(text, tool calls; it has no reasoning for chat completions).
``"drop"`` removes the thinking, ``"inline"`` leaves the content as the model wrote it.

Example::

    llm = ChatKluster(model="deepseek-ai/DeepSeek-R1-0528")
    message = llm.invoke("Is 91 prime?")
    message.content                                # the answer only
    message.additional_kwargs["reasoning_content"] # the thinking
    message.content_blocks[0]                      # {"type": "reasoning", "reasoning": ...}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import openai as openai_blocks
from langchain_core.messages.block_translators import register_translator

from kluster_integrations.core.reasoning import with_reasoning

#: Where LangChain chat models keep a reply's reasoning text.
REASONING_KEY = "reasoning_content"
#: ``response_metadata["model_provider"]`` of every ChatKluster message and chunk.
PROVIDER = "kluster"


def _reasoning_first(
    message: AIMessage, blocks: list[types.ContentBlock]
) -> list[types.ContentBlock]:
    reasoning = message.additional_kwargs.get(REASONING_KEY)
    if isinstance(reasoning, str) and reasoning:
        block = cast(types.ContentBlock, {"type": "reasoning", "reasoning": reasoning})
        return [block, *blocks]
    return blocks


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """``content_blocks`` of a ChatKluster message: its reasoning, then OpenAI's blocks."""
    return _reasoning_first(message, openai_blocks.translate_content(message))


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """``content_blocks`` of a ChatKluster chunk: its reasoning piece, then OpenAI's blocks."""
    return _reasoning_first(message, openai_blocks.translate_content_chunk(message))


register_translator(PROVIDER, translate_content, translate_content_chunk)


def note_reasoning(message: BaseMessage, reasoning: str | None) -> None:
    """Put the thinking the answer path moved into the answer's reasoning field (``None``:
    none) where LangChain reads it: ``additional_kwargs["reasoning_content"]``, and mark the
    message ``model_provider="kluster"`` for the translator (every chunk too: LangChain
    adds chunks' equal providers up to one)."""
    if reasoning:
        message.additional_kwargs[REASONING_KEY] = reasoning
    message.response_metadata["model_provider"] = PROVIDER


def history_with_reasoning(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """Messages with each AI turn's ``reasoning_content`` put back before its text as a
    ``<think>`` block, for ``keep_reasoning_in_history=True``."""
    out: list[BaseMessage] = []
    for message in messages:
        reasoning = (
            message.additional_kwargs.get(REASONING_KEY) if isinstance(message, AIMessage) else None
        )
        if isinstance(reasoning, str) and isinstance(message.content, str):
            kwargs = {k: v for k, v in message.additional_kwargs.items() if k != REASONING_KEY}
            message = message.model_copy(
                update={
                    "content": with_reasoning(message.content, reasoning),
                    "additional_kwargs": kwargs,
                }
            )
        out.append(message)
    return out
