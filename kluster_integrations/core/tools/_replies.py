"""Prompted tool replies made to look like a native tool model's answer (no I/O here).

The answer path (``core.answer``) reads a reply to a prompted-tools request with these:
``read_reply`` for a whole answer (``as_tool_completion`` then gives the completion with
``tool_calls``), ``retry_body`` when a call was required and the model wrote text, and
``PromptedStream`` for a stream, which shows text as it arrives, holds back only what may
still open a tool-call envelope, and ends with the calls as tool-call deltas. So the
frameworks' own tool-call parsing (LangChain's ``tool_calls`` / ``tool_call_chunks``,
LlamaIndex's ``get_tool_calls_from_response``) runs unchanged.

Calls the protocol parser marks invalid are handed back beside the completion (the
adapter puts them in LangChain's ``invalid_tool_calls``); a stream carries every call as a
tool-call delta, as a native stream does. Arguments that could not be read at all go in a
delta as a JSON string, so LangChain lists the call in ``invalid_tool_calls`` instead of
completing part of them; with ``invalid_as_calls`` (LlamaIndex) such a call raises
``InvalidToolCallError`` rather than reach the tool without its arguments.

Example::

    reply = plan.parse(reply_text(completion))
    completion = as_tool_completion(completion, reply, plan)   # message.tool_calls set
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from kluster_integrations.core.errors import ToolCallRequiredError
from kluster_integrations.core.reasoning import REASONING_FIELDS, reasoning_field
from kluster_integrations.core.tools._calling import PromptedTools
from kluster_integrations.core.tools._protocol import (
    ParsedCall,
    ParsedReply,
    ReplyStream,
    choice_rule,
)

#: How the reminder starts that is said to the model once when ``tool_choice`` demands a
#: call and it answered with text; ``choice_rule`` then names the tool(s) to call.
CORRECTION = "You answered without calling a tool, but a tool call is required here."


def reply_text(response: Any) -> str:
    """The text of a completion's first choice."""
    choices = getattr(response, "choices", None) or []
    return (choices[0].message.content or "") if choices else ""


def retry_body(body: dict[str, Any], text: str, plan: PromptedTools) -> dict[str, Any]:
    """``body`` asked again, whole, after the model answered ``text`` where ``plan`` made a
    call due; the reminder names the tool to call (or the tools to choose from)."""
    reminder = f"{CORRECTION} {choice_rule(plan.choice, plan.tools)}"
    messages = [
        *body.get("messages", []),
        {"role": "assistant", "content": text or "(no answer)"},
        {"role": "user", "content": reminder},
    ]
    return {**body, "messages": messages, "stream": False}


def read_reply(plan: PromptedTools, response: Any, *, retried: bool, model: str) -> ParsedReply:
    """``response`` read with ``plan``. A reply without the call ``plan`` requires raises
    ``ToolCallRequiredError`` when it was already asked again (``retried``); the first
    time it is returned, to be asked again (``retry_body``)."""
    reply = plan.parse(reply_text(response))
    if plan.required and not reply.calls:
        if retried:
            raise ToolCallRequiredError(model, reply_text(response))
        return reply
    plan.check_readable(reply, model)
    return reply


def call_dict(call: ParsedCall, index: int | None = None) -> dict[str, Any]:
    """``call`` as an OpenAI tool call (with ``index``: as a streamed tool-call delta)."""
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


def as_tool_completion(response: Any, reply: ParsedReply, plan: PromptedTools) -> ChatCompletion:
    """``response`` with its text replaced by ``reply``: the text, and ``tool_calls`` for the
    calls ``plan`` sends (``plan.held_invalid(reply)`` are the others)."""
    body = response.model_dump(exclude_none=False)
    choice = body["choices"][0]
    message = choice["message"]
    message["content"] = reply.text or (None if reply.calls else "")
    sent = plan.sent_calls(reply)
    if sent:
        message["tool_calls"] = [call_dict(c) for c in sent]
        choice["finish_reason"] = "tool_calls"
    return ChatCompletion.model_validate(body)


class ChunkMaker:
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

    def from_completion(
        self, completion: ChatCompletion, invalid: Sequence[ParsedCall]
    ) -> Iterator[ChatCompletionChunk]:
        """A whole (already converted) completion as a stream, with the ``invalid`` calls
        it holds outside ``tool_calls``."""
        self.id, self.model, self.created = completion.id, completion.model, completion.created
        message = completion.choices[0].message
        delta: dict[str, Any] = {"role": "assistant", "content": message.content or ""}
        extra = message.model_extra or {}
        delta.update({k: v for k, v in extra.items() if v is not None})
        yield self.make(delta)
        entries = [call.model_dump() for call in message.tool_calls or ()]
        entries += [call_dict(call) for call in invalid]
        for index, entry in enumerate(entries):
            yield self.make({"tool_calls": [{**entry, "index": index}]})
        finish = "tool_calls" if entries else completion.choices[0].finish_reason
        yield self.make({}, finish, completion.usage)


class PromptedStream:
    """One streamed reply to a prompted-tools request, read as it arrives (calls not
    required: a required call is read whole, and retried if need be)."""

    def __init__(self, plan: PromptedTools, model: str) -> None:
        self.plan = plan
        self.model = model
        self._maker = ChunkMaker(model)
        self._reader = ReplyStream(
            plan.tools, parallel=plan.parallel, bare_calls=not plan.json_answer
        )
        self._finish: str | None = None
        self._usage: Any = None

    def feed(self, chunk: Any) -> Iterator[ChatCompletionChunk]:
        """The text of ``chunk`` that can be shown now (finish and usage come at the end)."""
        self._maker.adopt(chunk)
        self._usage = getattr(chunk, "usage", None) or self._usage
        if not chunk.choices:
            return
        choice = chunk.choices[0]
        if choice.finish_reason:
            self._finish = choice.finish_reason
        delta = choice.delta
        shown = self._reader.feed(delta.content or "")
        thinking = reasoning_field(delta)
        if shown or delta.role or thinking:
            out: dict[str, Any] = {"content": shown}
            if delta.role:
                out["role"] = delta.role
            if thinking:
                out[REASONING_FIELDS[0]] = thinking
            yield self._maker.make(out)

    def finish(self) -> Iterator[ChatCompletionChunk]:
        """The chunks after the last text: held-back text, the tool calls, the finish."""
        reply, rest = self._reader.finish()
        self.plan.check_readable(reply, self.model)
        if rest:
            yield self._maker.make({"content": rest})
        # A stream has no place for invalid calls beside its tool-call deltas (LangChain
        # rebuilds them from the chunks), so every call goes out as a delta, as a native
        # stream would carry it: unreadable arguments become invalid_tool_calls there, and
        # arguments that break the schema are reported by the tool.
        for index, call in enumerate(reply.calls):
            yield self._maker.make({"tool_calls": [call_dict(call, index)]})
        if self._finish is not None:
            finish = "tool_calls" if reply.calls else self._finish
            yield self._maker.make({}, finish, self._usage)
