"""The answer path: a ``PreparedRequest`` sent, and its answer read the one way both
adapters need, whole (``complete``) or streamed (``stream``), sync or async.

Every answer is built by pydantic's validator (``core.answer._parsing``), checked once for
a usable shape, read back as tool calls when the tools were in the prompt (retried once
when a call was required and the model wrote text), its thinking moved as the request's
reasoning mode says (``core.reasoning``), refused when it is kluster's "queued"
placeholder, and, when an explicit ``response_format`` asked for JSON and the answer is not
a tool call, checked against its schema and handed over as that JSON alone
(``ResponseFormatError`` when it does not match; such an answer is read whole even when
streamed). A stream must end with a finish reason (``StreamGuard``). Each answer is priced
as it arrives (``core.cost``: its ``Bill``, and every open ``track_cost`` block); a
stream's usage comes with its last chunk, when the server sends it. The SDK's errors of
the setup (nothing at the base URL, HTTP 401, 403, 404) are raised as errors that say what
to fix (``_setup_errors``). The frameworks then convert the result as they convert any
OpenAI answer.

Sync and async share every step but the I/O: ``_exchange`` is a generator that yields the
bodies to send and is sent the answers, and ``_StreamReader`` turns each streamed chunk into
the chunks to hand over.

Example::

    prepared = preparer.prepare_chat(body, options=ChatOptions())
    answer = complete(client.chat.completions, prepared)
    answer.completion.choices[0].message.content         # the answer, tool calls native
    for chunk in stream(client.chat.completions, prepared_stream):
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from openai import AsyncStream, Stream
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from kluster_integrations.core.answer._checks import check_chat_chunk, check_chat_completion
from kluster_integrations.core.answer._placeholder import reject_placeholder_completion
from kluster_integrations.core.answer._readable import parsed_answer, readable_response
from kluster_integrations.core.answer._setup_errors import setup_errors
from kluster_integrations.core.answer._streaming import StreamGuard
from kluster_integrations.core.cost import Bill, batch_window, charge_for, record
from kluster_integrations.core.reasoning import (
    DeltaSplitter,
    ReasoningMode,
    answer_start,
    separate_completion,
)
from kluster_integrations.core.request import PreparedRequest
from kluster_integrations.core.tools import (
    AnswerSchema,
    ChunkMaker,
    ParsedCall,
    PromptedStream,
    as_tool_completion,
    read_reply,
    retry_body,
)
from kluster_integrations.core.transport import ChunkParser, CompletionParser, build_answer


@dataclass(frozen=True)
class ChatAnswer:
    """One whole answer: the completion (tool calls native, thinking placed), the prompted
    calls that could not be used (LangChain's ``invalid_tool_calls``), the response
    headers, what the call cost (``bill.usd``: ``None`` when unknown) and the Pydantic
    object a ``response_format`` model class made of it."""

    completion: ChatCompletion
    invalid_calls: tuple[ParsedCall, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    bill: Bill = field(default_factory=Bill)
    parsed: Any = None


def read_completion(
    completion: Any, reasoning: ReasoningMode, invalid_calls: tuple[ParsedCall, ...] = ()
) -> ChatAnswer:
    """The last steps of every whole answer (also of Batch API answers): the thinking
    placed, kluster's queued placeholder refused."""
    separate_completion(completion, reasoning)
    reject_placeholder_completion(completion)
    return ChatAnswer(completion, invalid_calls)


def read_batch_answer(body: Mapping[str, Any], reasoning: ReasoningMode) -> ChatAnswer:
    """A chat completion from a Batch API output line, read as a real-time one is, priced
    at the completion window ``core.cost.priced_as_batch`` set (the job records it)."""
    check_chat_completion(body)
    answer = read_completion(build_answer(ChatCompletion, body), reasoning)
    charge = charge_for(str(body.get("model")), body.get("usage"), batch_window())
    return ChatAnswer(answer.completion, answer.invalid_calls, bill=Bill(charge))


def _charged(bill: Bill, model: str, answer: Any) -> Any:
    """``answer`` (one response), its charge added to ``bill`` and recorded."""
    charge = charge_for(model, getattr(answer, "usage", None))
    bill.add(charge)
    record(charge)
    return answer


def checked_json_answer(answer: ChatAnswer, schema: AnswerSchema | None) -> ChatAnswer:
    """``answer`` with its text replaced by the JSON ``schema`` asks for (after any
    thinking left inline), unless it is a tool call (usable or not);
    ``ResponseFormatError`` when the text holds no JSON that matches."""
    message = answer.completion.choices[0].message if answer.completion.choices else None
    if schema is None or message is None or message.tool_calls or answer.invalid_calls:
        return answer
    text = message.content or ""
    start = answer_start(text)
    json_text, parsed = schema.read(text[start:])
    message.content = text[:start] + json_text
    return replace(answer, parsed=parsed)


def _exchange(prepared: PreparedRequest) -> Generator[dict[str, Any], Any, ChatAnswer]:
    """The requests of one whole answer and how it is read (sans I/O)."""
    body = {**prepared.body, "stream": False} if prepared.stream else prepared.body
    response = yield body
    check_chat_completion(response)
    plan = prepared.tools
    if plan is None:
        answer = read_completion(response, prepared.reasoning)
        return checked_json_answer(answer, prepared.answer_schema)
    reply = read_reply(plan, response, retried=False, model=prepared.model)
    if plan.required and not reply.calls:
        response = yield retry_body(body, reply.text, plan)
        check_chat_completion(response)
        reply = read_reply(plan, response, retried=True, model=prepared.model)
    completion = as_tool_completion(response, reply, plan)
    answer = read_completion(completion, prepared.reasoning, plan.held_invalid(reply))
    return checked_json_answer(answer, prepared.answer_schema)


def complete(completions: Any, prepared: PreparedRequest) -> ChatAnswer:
    """Send ``prepared`` with ``completions`` (``client.chat.completions``); the answer."""
    flow = _exchange(prepared)
    body = next(flow)
    bill = Bill()
    with readable_response(), setup_errors(model=prepared.model, purpose="chat"):
        while True:
            raw = completions.with_raw_response.create(**body)
            answer = _charged(bill, prepared.model, parsed_answer(raw, CompletionParser))
            try:
                body = flow.send(answer)
            except StopIteration as done:
                return replace(done.value, headers=raw.headers, bill=bill)


async def acomplete(completions: Any, prepared: PreparedRequest) -> ChatAnswer:
    """The async form of ``complete`` (``async_client.chat.completions``)."""
    flow = _exchange(prepared)
    body = next(flow)
    bill = Bill()
    with readable_response(), setup_errors(model=prepared.model, purpose="chat"):
        while True:
            raw = await completions.with_raw_response.create(**body)
            answer = _charged(bill, prepared.model, parsed_answer(raw, CompletionParser))
            try:
                body = flow.send(answer)
            except StopIteration as done:
                return replace(done.value, headers=raw.headers, bill=bill)


#: Wraps a stream's chunks from the server as they arrive (e.g. a timeout between them).
Watch = Callable[[AsyncIterator[Any]], AsyncIterator[Any]]


class _StreamReader:
    """One stream's chunks checked, read back as tool calls, their thinking moved, priced
    from the usage its last chunk carries (recorded once, when the stream ends)."""

    __slots__ = ("bill", "guard", "model", "thinking", "tools")

    def __init__(self, prepared: PreparedRequest) -> None:
        self.model = prepared.model
        self.bill = Bill()
        self.guard = StreamGuard()
        plan = prepared.tools
        self.tools = PromptedStream(plan, prepared.model) if plan is not None else None
        self.thinking = (
            DeltaSplitter(prepared.reasoning) if prepared.reasoning != "inline" else None
        )

    def feed(self, chunk: Any) -> Iterator[ChatCompletionChunk]:
        check_chat_chunk(chunk)
        usage = getattr(chunk, "usage", None)
        if usage is not None:  # a server that repeats it: the last one counts
            self.bill.charges[:] = [charge_for(self.model, usage)]
        if chunk.choices:
            choice = chunk.choices[0]
            self.guard.saw(choice.delta.content if choice.delta else None, choice.finish_reason)
        if self.tools is None:
            yield self.thinking(chunk) if self.thinking else chunk
            return
        for out in self.tools.feed(chunk):
            yield self.thinking(out) if self.thinking else out

    def finish(self) -> Iterator[ChatCompletionChunk]:
        if not self.bill.charges:  # no usage came: a request of unknown cost
            self.bill.add(charge_for(self.model, None))
        record(self.bill.charges[-1])
        self.guard.check_whole()
        if self.tools is not None:
            for out in self.tools.finish():
                yield self.thinking(out) if self.thinking else out


def _whole_as_chunks(answer: ChatAnswer) -> Iterator[ChatCompletionChunk]:
    """A whole answer handed over as a stream (``PreparedRequest.read_whole``)."""
    maker = ChunkMaker(answer.completion.model)
    return maker.from_completion(answer.completion, answer.invalid_calls)


@dataclass(frozen=True)
class ChunkStream:
    """A stream's chunks, its response headers (empty when read whole) and its ``bill``,
    priced by the time the chunk that carries ``usage`` is handed over."""

    chunks: Iterator[ChatCompletionChunk]
    headers: Mapping[str, str]
    bill: Bill = field(default_factory=Bill)


@dataclass(frozen=True)
class AsyncChunkStream:
    """The async form of ``ChunkStream``."""

    chunks: AsyncIterator[ChatCompletionChunk]
    headers: Mapping[str, str]
    bill: Bill = field(default_factory=Bill)


def stream(completions: Any, prepared: PreparedRequest) -> ChunkStream:
    """Send ``prepared`` (``stream: True``); its chunks, as ``complete`` reads a whole
    answer. The request is made now; the chunks are read as they are iterated."""
    if prepared.read_whole:
        answer = complete(completions, prepared)
        return ChunkStream(_whole_as_chunks(answer), answer.headers, answer.bill)
    with readable_response(), setup_errors(model=prepared.model, purpose="chat"):
        raw = completions.with_raw_response.create(**prepared.body)
        upstream = parsed_answer(raw, Stream[ChunkParser])
    reader = _StreamReader(prepared)
    return ChunkStream(_read_stream(upstream, reader), raw.headers, reader.bill)


def _read_stream(upstream: Any, reader: _StreamReader) -> Iterator[ChatCompletionChunk]:
    try:
        with reader.guard.reading():
            for chunk in upstream:
                yield from reader.feed(chunk)
        yield from reader.finish()
    finally:
        upstream.close()


async def astream(
    completions: Any, prepared: PreparedRequest, *, watch: Watch | None = None
) -> AsyncChunkStream:
    """The async form of ``stream``; ``watch`` wraps the server's own chunks as they
    arrive (LangChain's ``stream_chunk_timeout`` measures the gaps between them)."""
    if prepared.read_whole:
        answer = await acomplete(completions, prepared)
        return AsyncChunkStream(_as_async(_whole_as_chunks(answer)), answer.headers, answer.bill)
    with readable_response(), setup_errors(model=prepared.model, purpose="chat"):
        raw = await completions.with_raw_response.create(**prepared.body)
        upstream = parsed_answer(raw, AsyncStream[ChunkParser])
    reader = _StreamReader(prepared)
    return AsyncChunkStream(_aread_stream(upstream, reader, watch), raw.headers, reader.bill)


async def _aread_stream(
    upstream: Any, reader: _StreamReader, watch: Watch | None = None
) -> AsyncIterator[ChatCompletionChunk]:
    try:
        with reader.guard.reading():
            async for chunk in watch(upstream) if watch is not None else upstream:
                for out in reader.feed(chunk):
                    yield out
        for out in reader.finish():
            yield out
    finally:
        await upstream.close()


async def _as_async(chunks: Iterator[ChatCompletionChunk]) -> AsyncIterator[ChatCompletionChunk]:
    for chunk in chunks:
        yield chunk
