"""The ``tool_calling`` option, and prompted tool calling as a chat-completions transport.

Both adapters build an OpenAI request with ``tools`` as their stock classes do. Before the
request is sanitized, ``plan_request`` decides per request's model:

- native (a tool model in ``"auto"``, any model in ``"native"``): the request goes as built;
- prompted (every other model in ``"auto"``, any model in ``"prompt"``): ``tools``,
  ``tool_choice`` and ``parallel_tool_calls`` leave the request and the tools are written into
  the system prompt (``core.tools``); the returned ``PromptedTools`` is stored under
  ``PLAN_KEY`` in the request.

``send`` / ``asend`` then take the request with its plan and answer exactly as a native tool
model would: an openai ``ChatCompletion`` whose message has ``tool_calls``, or a stream of
``ChatCompletionChunk``s with tool-call deltas. So the frameworks' own tool-call parsing
(LangChain's ``tool_calls``/``tool_call_chunks``, LlamaIndex's ``get_tool_calls_from_response``)
runs unchanged. In a whole answer, calls the protocol parser marks invalid travel in the
message's extra field ``invalid_tool_calls`` (LangChain's ``invalid_tool_calls``); a stream
carries every call as a tool-call delta, as a native stream does. Arguments that could not be
read at all go in a delta as a JSON string, so LangChain lists the call in
``invalid_tool_calls`` instead of completing part of them; with ``invalid_as_calls``
(LlamaIndex) such a call raises ``InvalidToolCallError`` rather than reach the tool without
its arguments.

Example::

    request, caps = plan_request(payload, mode="auto")        # before the sanitizer
    clean = preparer.prepare(request, capabilities=caps)
    completion = send(client.chat.completions.create, clean)  # tool calls as if native
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from kluster_integrations.core.answer import check_chat_chunk, check_chat_completion
from kluster_integrations.core.contract import TOOL_PARAMETERS
from kluster_integrations.core.errors import (
    InvalidToolCallError,
    InvalidToolError,
    ToolCallRequiredError,
)
from kluster_integrations.core.models import capabilities_of
from kluster_integrations.core.tools._protocol import (
    ParsedCall,
    ParsedReply,
    ReplyStream,
    ToolChoice,
    ToolSpec,
    normalize_tool_choice,
    parse_bare_arguments,
    parse_tool_reply,
    tools_instruction,
)

ToolCallingMode = Literal["auto", "native", "prompt", "off"]
TOOL_CALLING_MODES: tuple[ToolCallingMode, ...] = ("auto", "native", "prompt", "off")

#: Request key that carries the ``PromptedTools`` plan from ``plan_request`` to ``send``.
PLAN_KEY = "__kluster_prompted_tools__"

#: Said to the model once when ``tool_choice`` demands a call and it answered with text.
CORRECTION = (
    "You answered without calling a tool, but a tool call is required here. Reply "
    "now with the JSON tool-call object only."
)


def check_mode(mode: Any) -> ToolCallingMode:
    """``mode`` if it is one of the four, else ``InvalidToolError`` naming them."""
    if mode not in TOOL_CALLING_MODES:
        raise InvalidToolError(
            f"tool_calling={mode!r} is not a mode: use 'auto' (native on tool models, prompted "
            "elsewhere), 'native', 'prompt' or 'off'."
        )
    return mode


def resolve_mode(mode: ToolCallingMode, model: Any) -> Literal["native", "prompt", "off"]:
    """What ``mode`` means for ``model``: ``"auto"`` becomes native or prompt."""
    if mode == "auto":
        return "native" if "tools" in capabilities_of(model) else "prompt"
    return mode


_TOOLS = frozenset({"tools"})


def model_capabilities(mode: ToolCallingMode, model: Any) -> frozenset[str]:
    """The capabilities the sanitizer should assume for ``model`` under ``mode``."""
    caps = capabilities_of(model)
    resolved = "native" if mode == "auto" and "tools" in caps else resolve_mode(mode, model)
    if resolved == "native":
        return caps if "tools" in caps else caps | _TOOLS
    return caps - _TOOLS if "tools" in caps else caps


@dataclass(frozen=True)
class PromptedTools:
    """The tools written into the prompt, and how the reply must use them."""

    tools: tuple[ToolSpec, ...]
    choice: ToolChoice
    parallel: bool = True
    invalid_as_calls: bool = False
    """Send invalid calls as ordinary tool calls (LlamaIndex: the tool then reports the
    problem to the model) rather than as ``invalid_tool_calls`` (LangChain)."""

    def sent_calls(self, reply: ParsedReply) -> tuple[ParsedCall, ...]:
        return reply.calls if self.invalid_as_calls else reply.valid_calls

    def held_invalid(self, reply: ParsedReply) -> tuple[ParsedCall, ...]:
        return () if self.invalid_as_calls else reply.invalid_calls

    def check_readable(self, reply: ParsedReply, model: str) -> None:
        """With ``invalid_as_calls``, a call whose arguments could not be read at all raises
        ``InvalidToolCallError``: LlamaIndex would call the tool without them (its
        partial-JSON reading turns them into ``{}`` or into the part before a cut)."""
        if not self.invalid_as_calls:
            return
        for call in reply.calls:
            if call.arguments is None:
                raise InvalidToolCallError(model, call.name, call.error or "", call.raw_arguments)

    @property
    def required(self) -> bool:
        return self.choice.mode in ("required", "named")

    def parse(self, text: str) -> ParsedReply:
        """The reply read with the protocol parser; when one tool must be called, a bare
        JSON object that fits its schema also counts as its call (structured output)."""
        reply = parse_tool_reply(text, self.tools, parallel=self.parallel)
        if reply.calls or not self.required or len(self.tools) != 1:
            return reply
        return parse_bare_arguments(text, self.tools[0]) or reply


def check_native_tools(request: Mapping[str, Any]) -> None:
    """Raise ``InvalidToolError`` for a ``tool_choice`` no tool answers (native mode)."""
    tools = request.get("tools") or []
    if "tool_choice" in request and tools:
        normalize_tool_choice(request["tool_choice"], _names(tools))


def plan_request(
    request: Mapping[str, Any], mode: ToolCallingMode, *, invalid_as_calls: bool = False
) -> tuple[dict[str, Any], frozenset[str]]:
    """The request to sanitize, and the capabilities to sanitize it with; see the module
    docstring. Bad tools or ``tool_choice`` raise ``InvalidToolError`` before sending."""
    out = dict(request)
    model = out.get("model")
    caps = model_capabilities(mode, model)
    tools = out.get("tools")
    if not tools:
        return out, caps
    resolved = resolve_mode(mode, model)
    if resolved != "prompt":
        if resolved == "native":
            check_native_tools(out)
        return out, caps
    specs = tuple(ToolSpec.from_openai(tool) for tool in tools)
    choice = normalize_tool_choice(out.get("tool_choice"), [s.name for s in specs])
    parallel = out.get("parallel_tool_calls") is not False
    for key in TOOL_PARAMETERS:
        out.pop(key, None)
    if choice.mode == "none":
        return out, caps
    offered = tuple(s for s in specs if s.name == choice.name) if choice.mode == "named" else specs
    out["messages"] = with_system_text(
        out.get("messages") or [], tools_instruction(offered, choice, parallel)
    )
    out[PLAN_KEY] = PromptedTools(offered, choice, parallel, invalid_as_calls)
    return out, caps


def with_system_text(messages: Any, text: str) -> list[Any]:
    """``messages`` with ``text`` added to the leading system message (or a new one)."""
    listed = list(messages)
    first = listed[0] if listed else None
    if isinstance(first, Mapping) and first.get("role") in ("system", "developer"):
        content = first.get("content")
        merged = (
            f"{content}\n\n{text}"
            if isinstance(content, str) or content is None
            else [*content, {"type": "text", "text": text}]
        )
        listed[0] = {**first, "content": merged}
    else:
        listed.insert(0, {"role": "system", "content": text})
    return listed


def _names(tools: Any) -> list[str]:
    names = []
    for tool in tools:
        function = tool.get("function", tool) if isinstance(tool, Mapping) else {}
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


# --- sending: prompted replies made to look like native tool calls -----------------------

Create = Callable[..., Any]
ACreate = Callable[..., Awaitable[Any]]


def send(create: Create, request: dict[str, Any]) -> Any:
    """Send ``request`` with ``create`` (``client.chat.completions.create``); a prompted
    plan in it is carried out (see the module docstring)."""
    plan = request.pop(PLAN_KEY, None)
    if plan is None:
        return create(**request)
    if request.get("stream"):
        return _SyncStream(_stream(create, request, plan))
    return _complete(create, request, plan)


async def asend(create: ACreate, request: dict[str, Any]) -> Any:
    """The async form of ``send``."""
    plan = request.pop(PLAN_KEY, None)
    if plan is None:
        return await create(**request)
    if request.get("stream"):
        return _AsyncStream(_astream(create, request, plan))
    return await _acomplete(create, request, plan)


def _retry_request(request: dict[str, Any], text: str) -> dict[str, Any]:
    messages = [
        *request.get("messages", []),
        {"role": "assistant", "content": text or "(no answer)"},
        {"role": "user", "content": CORRECTION},
    ]
    return {**request, "messages": messages, "stream": False}


def _complete(create: Create, request: dict[str, Any], plan: PromptedTools) -> ChatCompletion:
    return as_tool_completion(*_answer(create, request, plan), plan)


async def _acomplete(
    create: ACreate, request: dict[str, Any], plan: PromptedTools
) -> ChatCompletion:
    return as_tool_completion(*await _aanswer(create, request, plan), plan)


def _answer(
    create: Create, request: dict[str, Any], plan: PromptedTools
) -> tuple[Any, ParsedReply]:
    """The whole answer to ``request`` and its reply parsed (retried once when a call is
    required and the model answered with text)."""
    response = (
        create(**{**request, "stream": False}) if request.get("stream") else create(**request)
    )
    check_chat_completion(response)
    reply = plan.parse(_text(response))
    if plan.required and not reply.calls:
        response = create(**_retry_request(request, reply.text))
        check_chat_completion(response)
        reply = plan.parse(_text(response))
        if not reply.calls:
            raise ToolCallRequiredError(str(request.get("model")), _text(response))
    plan.check_readable(reply, str(request.get("model")))
    return response, reply


async def _aanswer(
    create: ACreate, request: dict[str, Any], plan: PromptedTools
) -> tuple[Any, ParsedReply]:
    """The async form of ``_answer``."""
    response = await (
        create(**{**request, "stream": False}) if request.get("stream") else create(**request)
    )
    check_chat_completion(response)
    reply = plan.parse(_text(response))
    if plan.required and not reply.calls:
        response = await create(**_retry_request(request, reply.text))
        check_chat_completion(response)
        reply = plan.parse(_text(response))
        if not reply.calls:
            raise ToolCallRequiredError(str(request.get("model")), _text(response))
    plan.check_readable(reply, str(request.get("model")))
    return response, reply


def _text(response: Any) -> str:
    choices = getattr(response, "choices", None) or []
    return (choices[0].message.content or "") if choices else ""


def _call_dict(call: ParsedCall, index: int | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": call.id,
        "type": "function",
        "function": {
            "name": call.name,
            "arguments": _unreadable(call.raw_arguments)
            if call.arguments is None
            else json.dumps(call.arguments, ensure_ascii=False),
        },
    }
    if index is not None:
        entry["index"] = index
    return entry


def _unreadable(raw: str) -> str:
    """Arguments that could not be read, as a tool-call delta carries them: text that starts
    like a JSON object goes as a JSON string, or LangChain's partial-JSON reading of stream
    chunks would complete it into a call with arguments missing."""
    return json.dumps(raw, ensure_ascii=False) if raw.lstrip().startswith("{") else raw


def _invalid_dict(call: ParsedCall) -> dict[str, Any]:
    return {"id": call.id, "name": call.name, "args": call.raw_arguments, "error": call.error}


def as_tool_completion(
    response: Any, reply: ParsedReply, plan: PromptedTools | None = None
) -> ChatCompletion:
    """``response`` with its text replaced by ``reply``: text, ``tool_calls`` for the valid
    calls and the extra ``invalid_tool_calls`` for the others (see ``PromptedTools``)."""
    plan = plan or PromptedTools((), ToolChoice())
    body = response.model_dump(exclude_none=False)
    choice = body["choices"][0]
    message = choice["message"]
    message["content"] = reply.text or (None if reply.calls else "")
    sent, invalid = plan.sent_calls(reply), plan.held_invalid(reply)
    if sent:
        message["tool_calls"] = [_call_dict(c) for c in sent]
        choice["finish_reason"] = "tool_calls"
    if invalid:
        message["invalid_tool_calls"] = [_invalid_dict(c) for c in invalid]
    return ChatCompletion.model_validate(body)


class _ChunkMaker:
    """Builds chunks that carry the upstream stream's id and model."""

    def __init__(self, model: str) -> None:
        self.id, self.model, self.created = "chatcmpl-prompted", model, int(time.time())

    def adopt(self, chunk: Any) -> None:
        self.id, self.model, self.created = chunk.id, chunk.model, chunk.created

    def make(
        self, delta: dict[str, Any], finish: str | None = None, usage: Any = None
    ) -> ChatCompletionChunk:
        body: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        if usage is not None:
            body["usage"] = usage.model_dump() if hasattr(usage, "model_dump") else usage
        return ChatCompletionChunk.model_validate(body)

    def tail(
        self, reply: ParsedReply, rest: str, finish: str | None, usage: Any
    ) -> Iterator[ChatCompletionChunk]:
        """The chunks after the last text: held-back text, tool calls, the finish."""
        if rest:
            yield self.make({"content": rest})
        # A stream has no place for invalid calls beside its tool-call deltas (LangChain
        # rebuilds them from the chunks), so every call goes out as a delta, as a native
        # stream would carry it: unreadable arguments become invalid_tool_calls there, and
        # arguments that break the schema are reported by the tool.
        for index, call in enumerate(reply.calls):
            yield self.make({"tool_calls": [_call_dict(call, index)]})
        if finish is not None:
            yield self.make({}, "tool_calls" if reply.calls else finish, usage)

    def from_completion(
        self, completion: ChatCompletion, invalid: Sequence[ParsedCall]
    ) -> Iterator[ChatCompletionChunk]:
        """A whole (already converted) completion as a stream, with the ``invalid`` calls
        it holds outside ``tool_calls``."""
        self.id, self.model, self.created = completion.id, completion.model, completion.created
        message = completion.choices[0].message
        yield self.make({"role": "assistant", "content": message.content or ""})
        entries = [call.model_dump() for call in message.tool_calls or ()]
        entries += [_call_dict(call) for call in invalid]
        for index, entry in enumerate(entries):
            yield self.make({"tool_calls": [{**entry, "index": index}]})
        finish = "tool_calls" if entries else completion.choices[0].finish_reason
        yield self.make({}, finish, completion.usage)


def _stream(
    create: Create, request: dict[str, Any], plan: PromptedTools
) -> Iterator[ChatCompletionChunk]:
    maker = _ChunkMaker(str(request.get("model")))
    if plan.required:  # a text answer would be retried, so nothing is shown until the end
        response, reply = _answer(create, request, plan)
        completion = as_tool_completion(response, reply, plan)
        yield from maker.from_completion(completion, plan.held_invalid(reply))
        return
    splitter = ReplyStream(plan.tools, parallel=plan.parallel)
    finish, usage = None, None
    upstream = create(**request)
    try:
        for chunk in upstream:
            check_chat_chunk(chunk)
            maker.adopt(chunk)
            usage = getattr(chunk, "usage", None) or usage
            yield from _pass_through(chunk, splitter, maker)
            if chunk.choices and chunk.choices[0].finish_reason:
                finish = chunk.choices[0].finish_reason
    finally:
        close = getattr(upstream, "close", None)
        if close is not None:
            close()
    reply, rest = splitter.finish()
    plan.check_readable(reply, str(request.get("model")))
    yield from maker.tail(reply, rest, finish, usage)


async def _astream(
    create: ACreate, request: dict[str, Any], plan: PromptedTools
) -> AsyncIterator[ChatCompletionChunk]:
    maker = _ChunkMaker(str(request.get("model")))
    if plan.required:
        response, reply = await _aanswer(create, request, plan)
        completion = as_tool_completion(response, reply, plan)
        for out in maker.from_completion(completion, plan.held_invalid(reply)):
            yield out
        return
    splitter = ReplyStream(plan.tools, parallel=plan.parallel)
    finish, usage = None, None
    upstream = await create(**request)
    try:
        async for chunk in upstream:
            check_chat_chunk(chunk)
            maker.adopt(chunk)
            usage = getattr(chunk, "usage", None) or usage
            for out in _pass_through(chunk, splitter, maker):
                yield out
            if chunk.choices and chunk.choices[0].finish_reason:
                finish = chunk.choices[0].finish_reason
    finally:
        close = getattr(upstream, "close", None)
        if close is not None:
            await close()
    reply, rest = splitter.finish()
    plan.check_readable(reply, str(request.get("model")))
    for out in maker.tail(reply, rest, finish, usage):
        yield out


def _pass_through(
    chunk: Any, splitter: ReplyStream, maker: _ChunkMaker
) -> Iterator[ChatCompletionChunk]:
    """The text of ``chunk`` that can be shown now (finish and usage come at the end)."""
    if not chunk.choices:
        return
    delta = chunk.choices[0].delta
    shown = splitter.feed(delta.content or "")
    if shown or delta.role:
        out: dict[str, Any] = {"content": shown}
        if delta.role:
            out["role"] = delta.role
        yield maker.make(out)


class _SyncStream:
    """What ``client.chat.completions.create(stream=True)`` returns: iterable, closable,
    usable in ``with``."""

    def __init__(self, chunks: Iterator[ChatCompletionChunk]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self._chunks

    def __next__(self) -> ChatCompletionChunk:
        return next(self._chunks)

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> _SyncStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class _AsyncStream:
    """The async counterpart of ``_SyncStream``."""

    def __init__(self, chunks: AsyncIterator[ChatCompletionChunk]) -> None:
        self._chunks = chunks

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._chunks

    async def __anext__(self) -> ChatCompletionChunk:
        return await self._chunks.__anext__()

    async def close(self) -> None:
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> _AsyncStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()
