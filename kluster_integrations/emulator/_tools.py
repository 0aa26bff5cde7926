"""The emulator's tool calling: native tool calls on tool models, and the package's prompt
protocol everywhere, so agents run offline end to end.

- A request with ``tools`` (only tool models get this far; ``refusals`` refuses the others)
  is answered with one tool call: the tool that ``tool_choice`` names, else the tool whose
  name the last user message mentions, else the first. Its arguments are a minimal instance
  of the tool's schema, with numbers and quoted strings of the user's message filled into
  number and string properties in order (``magic_function(3)`` gives ``{"input": 3}``).
- A request whose last message is a tool result gets a final text that quotes it.
- A request whose system prompt carries ``core.tools.TOOLS_HEADING`` is answered
  the same way, with the JSON envelope as text (or the final text after a tool result).

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

from kluster_integrations.core.request import TOOL_RESULT_PREFIX
from kluster_integrations.core.tools import ENVELOPE_KEY, TOOLS_HEADING
from kluster_integrations.emulator._replies import chat_reply, example_for_schema, message_text
from kluster_integrations.emulator._sse import chunk_event
from kluster_integrations.emulator._state import EmulatorState, Fault

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_QUOTED = re.compile(r"'([^'\n]+)'|\"([^\"\n]+)\"")
_MUST_CALL = re.compile(r"You MUST call the tool '([^']+)'")


def answer(body: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
    """The reply text, and the native tool calls (``None`` when the answer is text)."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    tools = [t.get("function", t) for t in body.get("tools") or [] if isinstance(t, Mapping)]
    if tools and body.get("tool_choice") != "none":
        if messages and messages[-1].get("role") == "tool":
            return _final_text(message_text(messages[-1].get("content"))), None
        tool = _pick(tools, messages, _named(body.get("tool_choice")))
        return "", [_call(tool, messages)]
    prompted = _prompted_tools(messages)
    if prompted:
        last = message_text(messages[-1].get("content")) if messages else ""
        if messages[-1].get("role") == "user" and TOOL_RESULT_PREFIX in last:
            result = last.rsplit(TOOL_RESULT_PREFIX, 1)[1].split(":", 1)[-1].strip()
            return _final_text(result), None
        must = _MUST_CALL.search(_system_text(messages))
        tool = _pick(prompted, messages, must.group(1) if must else None)
        call = _call(tool, messages)["function"]
        envelope = {
            ENVELOPE_KEY: [{"name": call["name"], "arguments": json.loads(call["arguments"])}]
        }
        return json.dumps(envelope, ensure_ascii=False), None
    return chat_reply(body), None


def _final_text(result: str) -> str:
    return f'The tool returned: "{" ".join(result.split())[:200]}".'


def _named(choice: Any) -> str | None:
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        return choice["function"].get("name")
    return None


def _user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    users = [m for m in messages if m.get("role") == "user"]
    return message_text(users[-1].get("content")) if users else ""


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
    said = _user_text(messages).lower()
    mentioned = [t for t in tools if str(t.get("name", "")).lower() in said]
    return max(mentioned, key=lambda t: len(str(t.get("name")))) if mentioned else tools[0]


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
