"""The emulator's tool calling: native tool calls on tool models, and the package's prompt
protocol everywhere, so agents run offline end to end.

- A request with ``tools`` (only tool models get this far; ``refusals`` refuses the others)
  is answered with one tool call: the tool that ``tool_choice`` names, else one not called
  yet since the user's question (all of them when each was): the one whose name the
  question mentions, else the first. Its arguments are a minimal instance of the tool's
  schema, with numbers and quoted strings of the question filled into number and string
  properties in the order the schema lists them (``magic_function(3)`` gives
  ``{"input": 3}``).
- A request whose last message is a tool result gets a final text that quotes it (the JSON
  a schema in the prompt asks for, if any), unless ``tool_choice`` is ``"required"`` or
  names a tool: a tool model then calls a tool again, as above.
- A request whose system prompt carries ``core.tools.TOOLS_HEADING`` is answered
  the same way, with the JSON envelope as text; the choice is the one its prompt states
  (``core.tools.choice_in_prompt``).

Example::

    text, calls = answer({"model": "m", "messages": [{"role": "user", "content": "add 2 3"}],
                          "tools": [ADD_TOOL]})
    # calls == [{"id": "call_...", "type": "function",
    #            "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'}}]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from kluster_integrations.core.request import TOOL_CALL_PREFIX, TOOL_RESULT_PREFIX
from kluster_integrations.core.tools import (
    CORRECTION,
    ENVELOPE_KEY,
    TOOLS_HEADING,
    choice_in_prompt,
)
from kluster_integrations.emulator._replies import (
    chat_reply,
    example_for_schema,
    message_text,
    reply_for_schema,
)
from kluster_integrations.emulator._sse import chunk_event
from kluster_integrations.emulator._state import EmulatorState, Fault

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_QUOTED = re.compile(r"'([^'\n]+)'|\"([^\"\n]+)\"")
_CALLED = re.compile(rf"^{TOOL_CALL_PREFIX} (\S+?)(?: \(call [^)\n]*\))? with arguments:", re.M)


def answer(body: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
    """The reply text, and the native tool calls (``None`` when the answer is text)."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    tools = [t.get("function", t) for t in body.get("tools") or [] if isinstance(t, Mapping)]
    choice = body.get("tool_choice")
    if tools and choice != "none":
        must_call = choice == "required" or _named(choice) is not None
        if messages and messages[-1].get("role") == "tool" and not must_call:
            return _final_reply(messages, message_text(messages[-1].get("content"))), None
        tool = _pick(tools, messages, _named(choice))
        return "", [_call(tool, messages)]
    prompted = _prompted_tools(messages)
    if not prompted:
        return chat_reply(body), None
    last = message_text(messages[-1].get("content")) if messages else ""
    stated = choice_in_prompt(_system_text(messages))
    after_result = messages[-1].get("role") == "user" and TOOL_RESULT_PREFIX in last
    if after_result and stated.mode == "auto":  # else a call is due, as on a tool model
        result = last.rsplit(TOOL_RESULT_PREFIX, 1)[1].split(":", 1)[-1].strip()
        return _final_reply(messages, result), None
    tool = _pick(prompted, messages, stated.name)
    call = _call(tool, messages)["function"]
    envelope = {ENVELOPE_KEY: [{"name": call["name"], "arguments": json.loads(call["arguments"])}]}
    return json.dumps(envelope, ensure_ascii=False), None


def _final_reply(messages: Sequence[Mapping[str, Any]], result: str) -> str:
    """The answer after a tool result: the JSON a schema in the prompt asks for, if any,
    else a text quoting the result."""
    schema_reply = reply_for_schema([message_text(m.get("content")) for m in messages])
    if schema_reply is not None:
        return schema_reply
    return f'The tool returned: "{" ".join(result.split())[:200]}".'


def _named(choice: Any) -> str | None:
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        return choice["function"].get("name")
    return None


def _is_question(message: Mapping[str, Any]) -> bool:
    """A user turn that asks something: not tool results written as text, nor the reminder
    sent when a required call is missing."""
    if message.get("role") != "user":
        return False
    return not message_text(message.get("content")).startswith((TOOL_RESULT_PREFIX, CORRECTION))


def _question_at(messages: Sequence[Mapping[str, Any]]) -> int:
    """The index of the user's last question (the last user turn if none is one; -1)."""
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    questions = [i for i in users if _is_question(messages[i])]
    return (questions or users or [-1])[-1]


def _user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    at = _question_at(messages)
    return message_text(messages[at].get("content")) if at >= 0 else ""


def _called_since_question(messages: Sequence[Mapping[str, Any]]) -> set[str]:
    """The tools called after the user's last question, natively or written as text."""
    called: set[str] = set()
    for message in messages[_question_at(messages) + 1 :]:
        if message.get("role") != "assistant":
            continue
        for call in message.get("tool_calls") or ():
            function = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(function, Mapping):
                called.add(str(function.get("name")))
        called.update(_CALLED.findall(message_text(message.get("content"))))
    return called


def _system_text(messages: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(
        message_text(m.get("content")) for m in messages if m.get("role") in ("system", "developer")
    )


def _pick(
    tools: Sequence[Mapping[str, Any]], messages: Sequence[Mapping[str, Any]], named: str | None
) -> Mapping[str, Any]:
    by_name = {str(t.get("name")): t for t in tools}
    if named in by_name:
        return by_name[named]
    called = _called_since_question(messages)
    fresh = [t for t in tools if str(t.get("name")) not in called] or list(tools)
    said = _user_text(messages).lower()
    mentioned = [t for t in fresh if str(t.get("name", "")).lower() in said]
    return max(mentioned, key=lambda t: len(str(t.get("name")))) if mentioned else fresh[0]


def _call(tool: Mapping[str, Any], messages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    schema = tool.get("parameters") or {"type": "object", "properties": {}}
    arguments = _arguments(schema, _user_text(messages))
    digest = hashlib.sha1(
        json.dumps([message_text(m.get("content")) for m in messages], ensure_ascii=False).encode()
    ).hexdigest()[:16]
    return {
        "id": f"call_{digest}",
        "type": "function",
        "function": {
            "name": tool.get("name"),
            "arguments": json.dumps(arguments, ensure_ascii=False),
        },
    }


def _arguments(schema: Mapping[str, Any], text: str) -> Any:
    value = example_for_schema(schema, schema)
    if not isinstance(value, dict):
        return {}
    numbers = [float(n) for n in _NUMBER.findall(text)]
    quoted = [a or b for a, b in _QUOTED.findall(text)]
    for key, sub in (schema.get("properties") or {}).items():
        kind = sub.get("type") if isinstance(sub, Mapping) else None
        if kind == "integer" and numbers:
            value[key] = int(numbers.pop(0))
        elif kind == "number" and numbers:
            value[key] = numbers.pop(0)
        elif kind == "string" and quoted and "enum" not in sub:
            value[key] = quoted.pop(0)
    return value


def _prompted_tools(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    text = _system_text(messages)
    at = text.find(TOOLS_HEADING)
    if at < 0:
        return []
    tools = []
    for line in text[at + len(TOOLS_HEADING) :].strip().splitlines():
        try:
            tool = json.loads(line)
        except json.JSONDecodeError:
            break
        if isinstance(tool, dict) and "name" in tool:
            tools.append(tool)
    return tools


def tool_call_message(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """The assistant message of a native tool-call answer."""
    return {"role": "assistant", "content": None, "tool_calls": calls}


async def stream_tool_calls(
    state: EmulatorState,
    completion_id: str,
    model: str,
    calls: list[dict[str, Any]],
    usage: dict[str, int],
    fault: Fault | None,
) -> AsyncIterator[str]:
    """Tool-call deltas as OpenAI streams them: name and id first, then the arguments in
    pieces, then ``finish_reason="tool_calls"``."""
    cut_after = fault.cut_after_chunks if fault is not None else None
    yield chunk_event(completion_id, model, {"role": "assistant", "content": None}, None)
    sent = 0
    for index, call in enumerate(calls):
        arguments = call["function"]["arguments"]
        half = len(arguments) // 2
        pieces = [
            {
                "index": index,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            },
            {"index": index, "function": {"arguments": arguments[:half]}},
            {"index": index, "function": {"arguments": arguments[half:]}},
        ]
        for piece in pieces:
            if cut_after is not None and sent >= cut_after:
                return
            sent += 1
            yield chunk_event(completion_id, model, {"tool_calls": [piece]}, None)
    yield chunk_event(
        completion_id, model, {}, "tool_calls", usage if state.settings.stream_usage else None
    )
    yield "data: [DONE]\n\n"
