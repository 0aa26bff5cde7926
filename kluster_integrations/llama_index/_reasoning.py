"""Reasoning models in LlamaIndex: the thinking becomes a ``ThinkingBlock``, not answer text.

llama-index-llms-openai already turns a ``reasoning_content`` field of a response into a
``ThinkingBlock`` in ``ChatResponse.message.blocks``, and of a streamed delta into
``ChatResponse.additional_kwargs["thinking_delta"]`` (what LlamaIndex agents read). kluster.ai
writes the thinking as a ``<think>`` block in ``content`` instead, so ``ReasoningClient``
moves it into that field on each answer, before LlamaIndex reads it, using the core's
incremental splitter (streams never show a partial tag). ``complete`` and
``stream_complete`` then give the answer text only; ``complete`` also carries the thinking in
``additional_kwargs["reasoning_content"]``.

With ``reasoning="drop"`` the thinking is removed (field included); ``"inline"`` leaves
the answer as the model wrote it.

Example::

    llm = KlusterLLM(model="deepseek-ai/DeepSeek-R1-0528")
    response = llm.chat([ChatMessage(role="user", content="Is 91 prime?")])
    response.message.content                          # the answer only
    [b.content for b in response.message.blocks if b.block_type == "thinking"]
    for r in llm.stream_chat(messages):
        print(r.additional_kwargs.get("thinking_delta", ""), r.delta)
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from functools import wraps
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole, TextBlock, ThinkingBlock

from kluster_integrations.core.reasoning import (
    REASONING_FIELDS,
    ReasoningMode,
    ReasoningSplitter,
    reasoning_field,
    split_reasoning,
    with_reasoning,
)
from kluster_integrations.core.transport import pydantic_extra

#: The field LlamaIndex reads first (``get_openai_reasoning_content``).
FIELD = REASONING_FIELDS[0]


def _place(target: Any, answer: str, reasoning: str, mode: ReasoningMode) -> None:
    """Put ``answer`` in ``target.content`` and ``reasoning`` where ``mode`` says (in
    ``FIELD``; the other reasoning fields are cleared so LlamaIndex cannot fall back on
    them)."""
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


def separate_response(response: Any, mode: ReasoningMode) -> Any:
    """A chat completion (SDK object) with each choice's thinking moved as ``mode`` says."""
    if mode == "inline":
        return response
    for choice in getattr(response, "choices", None) or ():
        message = choice.message
        if isinstance(message.content, str) or reasoning_field(message) is not None:
            split = split_reasoning(message.content, reasoning_field(message))
            _place(message, split.answer, split.reasoning, mode)
    return response


class _DeltaSplitter:
    """Moves each streamed delta's thinking; the finish chunk flushes what was held."""

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
        _place(delta, split.answer, split.reasoning, self.mode)
        return chunk


def separate_chunks(chunks: Iterator[Any], mode: ReasoningMode) -> Iterator[Any]:
    """Streamed chunks with their thinking moved as ``mode`` says."""
    if mode == "inline":
        yield from chunks
        return
    split = _DeltaSplitter(mode)
    for chunk in chunks:
        yield split(chunk)


async def aseparate_chunks(chunks: AsyncIterator[Any], mode: ReasoningMode) -> AsyncIterator[Any]:
    """The async form of ``separate_chunks``."""
    if mode == "inline":
        async for chunk in chunks:
            yield chunk
        return
    split = _DeltaSplitter(mode)
    async for chunk in chunks:
        yield split(chunk)


class _Completions:
    def __init__(self, completions: Any, mode: Callable[[], ReasoningMode]) -> None:
        self._completions = completions
        self._mode = mode

    def create(self, **request: Any) -> Any:
        answer = self._completions.create(**request)
        if request.get("stream"):
            return separate_chunks(answer, self._mode())
        return separate_response(answer, self._mode())


class _AsyncCompletions(_Completions):
    async def create(self, **request: Any) -> Any:
        answer = await self._completions.create(**request)
        if request.get("stream"):
            return aseparate_chunks(answer, self._mode())
        return separate_response(answer, self._mode())


class _Chat:
    def __init__(self, completions: _Completions) -> None:
        self.completions = completions


class ReasoningClient:
    """An openai client (already a ``PreparedOpenAI``) whose chat answers have their thinking moved.

    Everything but ``chat.completions.create`` is the wrapped client's own.
    """

    def __init__(self, client: Any, mode: Callable[[], ReasoningMode]) -> None:
        self._client = client
        completions = (
            _AsyncCompletions
            if inspect.iscoroutinefunction(client.chat.completions.create)
            else _Completions
        )
        self.chat = _Chat(completions(client.chat.completions, mode))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def __enter__(self) -> ReasoningClient:
        self._client.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._client.__exit__(*exc_info)

    async def __aenter__(self) -> ReasoningClient:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._client.__aexit__(*exc_info)


def thinking_of(message: ChatMessage) -> str | None:
    """The text of ``message``'s ``ThinkingBlock`` s, or ``None`` when it has none."""
    parts = [block.content or "" for block in message.blocks if isinstance(block, ThinkingBlock)]
    return "".join(parts) if parts else None


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


def reasoning_aware(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap one of ``OpenAILike``'s ``_chat`` methods: history as ``keep_reasoning_in_history``
    says, and a whole answer's thinking also in ``additional_kwargs["reasoning_content"]``
    (which ``complete`` hands on)."""
    if inspect.iscoroutinefunction(method):

        @wraps(method)
        async def arun(self: Any, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
            if self.keep_reasoning_in_history:
                messages = history_with_reasoning(messages)
            return _note_thinking(await method(self, messages, **kwargs))

        return arun

    @wraps(method)
    def run(self: Any, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
        if self.keep_reasoning_in_history:
            messages = history_with_reasoning(messages)
        return _note_thinking(method(self, messages, **kwargs))

    return run


def _note_thinking(response: Any) -> Any:
    message = getattr(response, "message", None)
    if message is not None:
        thinking = thinking_of(message)
        if thinking is not None:
            response.additional_kwargs[FIELD] = thinking
    return response
