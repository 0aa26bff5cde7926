"""Reasoning models in LangChain: the thinking goes to ``additional_kwargs["reasoning_content"]``.

``ChatKluster`` calls these on every answer. With ``reasoning="separate"`` a leading
``<think>`` block (or a ``reasoning_content`` / ``reasoning`` field from the server) is
taken out of ``content`` and put in ``additional_kwargs["reasoning_content"]``, where
langchain-deepseek, ChatOllama and langchain-groq put it too; streamed chunks carry their
piece of it, so adding the chunks up gives the same message as ``invoke``. Messages are
marked ``response_metadata["model_provider"] = "kluster"``, whose content-block translator
(registered here with langchain-core) puts a ``{"type": "reasoning"}`` block first in
``content_blocks``, then what the ``"openai"`` translator gives (which has no reasoning for
chat completions).
``"drop"`` removes the thinking, ``"inline"`` leaves the content as the model wrote it.

Example::

    llm = ChatKluster(model="deepseek-ai/DeepSeek-R1-0528")
    message = llm.invoke("Is 91 prime?")
    message.content                                # the answer only
    message.additional_kwargs["reasoning_content"] # the thinking
    message.content_blocks[0]                      # {"type": "reasoning", "reasoning": ...}
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import openai as openai_blocks
from langchain_core.messages.block_translators import register_translator
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from kluster_integrations.core.reasoning import (
    REASONING_FIELDS,
    ReasoningMode,
    ReasoningSplitter,
    reasoning_field,
    split_reasoning,
    with_reasoning,
)

#: Where LangChain chat models keep a reply's reasoning text.
REASONING_KEY = "reasoning_content"
#: ``response_metadata["model_provider"]`` of messages whose reasoning was separated.
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


def _apply(message: Any, split_answer: str, split_reasoning_text: str, mode: ReasoningMode) -> Any:
    """``message`` with ``split_answer`` as content and the reasoning where ``mode`` says."""
    kwargs = {k: v for k, v in message.additional_kwargs.items() if k != REASONING_KEY}
    if mode == "separate" and split_reasoning_text:
        kwargs[REASONING_KEY] = split_reasoning_text
    metadata = message.response_metadata
    if mode == "separate":
        metadata = {**metadata, "model_provider": PROVIDER}
    return message.model_copy(
        update={"content": split_answer, "additional_kwargs": kwargs, "response_metadata": metadata}
    )


def separate_result(result: ChatResult, response: Any, mode: ReasoningMode) -> ChatResult:
    """A non-streamed result with each generation's thinking where ``mode`` says.

    ``response`` is the raw chat completion (SDK object or dict), read for reasoning fields.
    """
    choices = (
        response.get("choices")
        if isinstance(response, dict)
        else getattr(response, "choices", None)
    ) or []
    if mode == "inline":
        _copy_reasoning_fields(result, choices)
        return result
    generations = []
    for index, generation in enumerate(result.generations):
        message = generation.message
        choice = choices[index] if index < len(choices) else None
        raw = (
            (
                choice.get("message")
                if isinstance(choice, dict)
                else getattr(choice, "message", None)
            )
            if choice is not None
            else None
        )
        field = reasoning_field(raw) if raw is not None else None
        if not isinstance(message.content, str):
            generations.append(generation)
            continue
        split = split_reasoning(message.content, field)
        message = _apply(message, split.answer, split.reasoning, mode)
        generations.append(
            ChatGeneration(message=message, generation_info=generation.generation_info)
        )
    return ChatResult(generations=generations, llm_output=result.llm_output)


def _copy_reasoning_fields(result: ChatResult, choices: Any) -> None:
    """``"inline"``: the content stays as written; a reasoning field the server sent is
    kept in ``additional_kwargs``."""
    for generation, choice in zip(result.generations, choices, strict=False):
        raw = (
            choice.get("message") if isinstance(choice, dict) else getattr(choice, "message", None)
        )
        field = reasoning_field(raw) if raw is not None else None
        if field is not None:
            generation.message.additional_kwargs[REASONING_KEY] = field


class _ChunkSplitter:
    """Splits one stream's chunks; ``finish_reason`` on a chunk flushes what was held.

    A stream that ends without one raises ``StreamInterruptedError`` (``guard_stream``),
    so text still held then (at most a partial tag) is not shown.
    """

    def __init__(self, mode: ReasoningMode) -> None:
        self.mode = mode
        self.splitter = ReasoningSplitter()

    def __call__(self, chunk: ChatGenerationChunk) -> ChatGenerationChunk:
        message = chunk.message
        content = message.content
        field = message.additional_kwargs.get(REASONING_KEY)
        last = bool((chunk.generation_info or {}).get("finish_reason"))
        if not isinstance(content, str):
            return chunk
        split = self.splitter.feed(content, field)
        if last:
            rest = self.splitter.finish()
            split = split._replace(
                reasoning=split.reasoning + rest.reasoning, answer=split.answer + rest.answer
            )
        if field is None and split.answer == content and not split.reasoning:
            if self.mode == "separate":
                message.response_metadata["model_provider"] = PROVIDER
            return chunk
        return ChatGenerationChunk(
            message=_apply(message, split.answer, split.reasoning, self.mode),
            generation_info=chunk.generation_info,
        )


def separate_stream(
    chunks: Iterator[ChatGenerationChunk], mode: ReasoningMode
) -> Iterator[ChatGenerationChunk]:
    """The chunks with each one's thinking where ``mode`` says; no partial tag is shown."""
    if mode == "inline":
        return chunks
    return map(_ChunkSplitter(mode), chunks)


async def aseparate_stream(
    chunks: AsyncIterator[ChatGenerationChunk], mode: ReasoningMode
) -> AsyncIterator[ChatGenerationChunk]:
    """The async form of ``separate_stream``."""
    if mode == "inline":
        async for chunk in chunks:
            yield chunk
        return
    split = _ChunkSplitter(mode)
    async for chunk in chunks:
        yield split(chunk)


_REASONING_FIELD_NAMES = frozenset(REASONING_FIELDS)


def copy_delta_reasoning(
    chunk: ChatGenerationChunk | None, raw_chunk: dict
) -> ChatGenerationChunk | None:
    """Keep a delta's ``reasoning_content`` / ``reasoning`` field, which ChatOpenAI drops."""
    if chunk is None:
        return None
    choices = raw_chunk.get("choices") or ()
    delta = choices[0].get("delta") if choices and isinstance(choices[0], dict) else None
    if not isinstance(delta, dict) or _REASONING_FIELD_NAMES.isdisjoint(delta):
        return chunk
    field = reasoning_field(delta)
    if field:
        chunk.message.additional_kwargs[REASONING_KEY] = field
    return chunk


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
