"""Answers from the core answer path made LlamaIndex ``ChatResponse`` objects, the way
llama-index-llms-openai makes them.

A whole answer: the message from ``from_openai_message`` (a ``ThinkingBlock`` for the
thinking, tool calls as LlamaIndex reads them), logprobs, token counts, and the thinking
also in ``additional_kwargs["reasoning_content"]`` (which ``complete`` hands on). A stream:
one ``ChatResponse`` per piece, the message so far in it; a piece of thinking comes in
``additional_kwargs["thinking_delta"]`` (what LlamaIndex agents read), in a response of its
own, so each response carries either ``thinking_delta`` or ``delta`` text, never both.
What an answer cost is in ``additional_kwargs["cost_usd"]`` (``None`` when unknown; on a
stream, in the responses of the chunks that carry the finish and the usage); ``answered``
and the stream functions also dispatch it as a ``KlusterCostEvent`` (``_cost``).

Example::

    response = answered(answer, modalities=["text"])
    for response in stream_responses(stream(completions, prepared)):
        print(response.additional_kwargs.get("thinking_delta") or response.delta, end="")
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    MessageRole,
    TextBlock,
    ThinkingBlock,
)
from llama_index.llms.openai.utils import (
    from_openai_message,
    from_openai_token_logprobs,
    update_tool_calls,
)

from kluster_integrations.core.answer import AsyncChunkStream, ChatAnswer, ChunkStream
from kluster_integrations.core.cost import COST_FIELD, Bill
from kluster_integrations.core.reasoning import FIELD, reasoning_field
from kluster_integrations.llama_index._cost import announce_bill
from kluster_integrations.llama_index._framework import tool_call_blocks

#: Where a streamed piece of thinking goes in ``ChatResponse.additional_kwargs``.
THINKING_DELTA = "thinking_delta"


def token_counts(answer: Any) -> dict[str, Any]:
    """An answer's (or chunk's) usage as LlamaIndex reports it; empty without usage."""
    usage = getattr(answer, "usage", None)
    if usage is None:
        return {}
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def thinking_of(message: ChatMessage) -> str | None:
    """The text of ``message``'s ``ThinkingBlock`` s, or ``None`` when it has none."""
    parts = [block.content or "" for block in message.blocks if isinstance(block, ThinkingBlock)]
    return "".join(parts) if parts else None


def answered(answer: ChatAnswer, modalities: list[str]) -> ChatResponse:
    """The ``ChatResponse`` of a real-time answer, its cost dispatched."""
    announce_bill(answer.bill)
    return chat_response(answer, modalities)


def chat_response(answer: ChatAnswer, modalities: list[str]) -> ChatResponse:
    """The ``ChatResponse`` of a whole answer (real-time or from a Batch API job)."""
    completion = answer.completion
    choice = completion.choices[0]
    message = from_openai_message(choice.message, modalities=modalities)
    reasoning = reasoning_field(choice.message)
    if reasoning and thinking_of(message) is None:
        message.blocks.insert(0, ThinkingBlock(content=reasoning))
    logprobs = None
    if choice.logprobs and choice.logprobs.content:
        logprobs = from_openai_token_logprobs(choice.logprobs.content)
    extra = token_counts(completion)
    extra[COST_FIELD] = answer.bill.usd
    thinking = thinking_of(message)
    if thinking is not None:
        extra[FIELD] = thinking
    return ChatResponse(message=message, raw=completion, logprobs=logprobs, additional_kwargs=extra)


class _StreamedMessage:
    """The message a stream has built so far."""

    def __init__(self, bill: Bill) -> None:
        self.bill = bill
        self.content = ""
        self.thinking = ""
        self.tool_calls: list[Any] = []

    def responses(self, chunk: Any) -> Iterable[ChatResponse]:
        delta = chunk.choices[0].delta if chunk.choices else None
        if delta is None and chunk.choices:
            return ()
        role = (delta.role if delta is not None else None) or MessageRole.ASSISTANT
        thinking = (reasoning_field(delta) if delta is not None else None) or ""
        text = (delta.content if delta is not None else None) or ""
        if delta is not None and delta.tool_calls:
            self.tool_calls = update_tool_calls(self.tool_calls, delta.tool_calls)
        out = []
        counts = token_counts(chunk)
        if counts or (chunk.choices and chunk.choices[0].finish_reason):
            counts[COST_FIELD] = self.bill.usd  # None until the usage comes
        if thinking:
            self.thinking += thinking
            extra = {THINKING_DELTA: thinking}
            out.append(self._response(role, "", chunk, extra if text else {**counts, **extra}))
        if text or not thinking:
            self.content += text
            out.append(self._response(role, text, chunk, counts))
        return out

    def _response(self, role: Any, text: str, chunk: Any, extra: dict[str, Any]) -> ChatResponse:
        blocks: list[Any] = [ThinkingBlock(content=self.thinking)] if self.thinking else []
        blocks.append(TextBlock(text=self.content))
        message_extra: dict[str, Any] = {}
        if self.tool_calls:
            message_extra["tool_calls"] = self.tool_calls
            blocks.extend(tool_call_blocks(self.tool_calls))
        return ChatResponse(
            message=ChatMessage(role=role, blocks=blocks, additional_kwargs=message_extra),
            delta=text,
            raw=chunk,
            additional_kwargs=extra,
        )


def stream_responses(stream: ChunkStream) -> Iterator[ChatResponse]:
    """The ``ChatResponse`` s of a stream; its cost dispatched once it has ended."""
    message = _StreamedMessage(stream.bill)
    for chunk in stream.chunks:
        yield from message.responses(chunk)
    announce_bill(stream.bill)


async def astream_responses(stream: AsyncChunkStream) -> AsyncIterator[ChatResponse]:
    """The async form of ``stream_responses``."""
    message = _StreamedMessage(stream.bill)
    async for chunk in stream.chunks:
        for response in message.responses(chunk):
            yield response
    announce_bill(stream.bill)
