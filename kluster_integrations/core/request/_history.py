"""Rewrite a chat history into messages kluster.ai accepts, keeping what they said.

kluster.ai takes no participant ``name``, no assistant ``tool_calls`` / ``function_call`` /
``refusal`` / ``audio``. Dropping those fields alone would leave empty assistant turns and
``tool`` messages that answer calls nobody made, so this module turns them into text:

- ``{"role": "user", "name": "ada", "content": "hi"}`` becomes
  ``{"role": "user", "content": "ada: hi"}``;
- an assistant turn with tool calls says in words which tool it called with what arguments;
- the ``tool`` / ``function`` messages that answer it become one user turn that says what
  each tool returned.

Example::

    >>> rewritten, changes = rewrite_messages([
    ...     {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
    ...      "function": {"name": "add", "arguments": '{"a": 1}'}}]},
    ...     {"role": "tool", "tool_call_id": "c1", "content": "2"},
    ... ])
    >>> rewritten[1]["content"]
    'Tool result from add (call c1): 2'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kluster_integrations.core.contract import (
    NATIVE_TOOL_RESULT_ROLES,
    TOOL_RESULT_ROLES,
    UNSUPPORTED_MESSAGE_FIELDS,
)
from kluster_integrations.core.request._changes import Change

#: How a tool result reads once rewritten to text (the emulator looks for it).
TOOL_RESULT_PREFIX = "Tool result from"
#: How an assistant's tool call reads once rewritten to text (the emulator looks for it).
TOOL_CALL_PREFIX = "Called tool"


def _forbidden_by_role(capabilities: frozenset[str]) -> dict[str, frozenset[str]]:
    return {
        role: frozenset(
            rule.field
            for rule in UNSUPPORTED_MESSAGE_FIELDS.values()
            if role in rule.roles and rule.unless not in capabilities
        )
        for rule in UNSUPPORTED_MESSAGE_FIELDS.values()
        for role in rule.roles
    }


_FORBIDDEN_BY_ROLE = _forbidden_by_role(frozenset())
_FORBIDDEN_WITH_TOOLS = _forbidden_by_role(frozenset({"tools"}))
_NOTHING: frozenset[str] = frozenset()


def _rules_for(capabilities: frozenset[str]) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Forbidden fields by role, and the roles to rewrite, for a model's capabilities."""
    if "tools" in capabilities:
        return _FORBIDDEN_WITH_TOOLS, TOOL_RESULT_ROLES - NATIVE_TOOL_RESULT_ROLES
    return _FORBIDDEN_BY_ROLE, TOOL_RESULT_ROLES


def as_plain_dict(value: Any) -> Any:
    """A dict for an openai SDK (pydantic) object, with ``None`` fields left out;
    mappings become dicts; anything else is returned as it is."""
    if type(value) is dict:  # the common case, checked before the slower ABC test
        return value.copy()
    if isinstance(value, Mapping):
        return dict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(exclude_none=True)
    return value


def needs_rewrite(message: Mapping[str, Any], capabilities: frozenset[str] = _NOTHING) -> bool:
    """True when the message carries anything kluster.ai would refuse (on a model with
    these ``capabilities``: with ``tools``, tool calls and ``tool`` messages stay)."""
    return _carries_refused(message, *_rules_for(capabilities))


def any_needs_rewrite(messages: Sequence[Any], capabilities: frozenset[str] = _NOTHING) -> bool:
    """True when any of ``messages`` (dicts; other values are skipped) ``needs_rewrite``."""
    forbidden, result_roles = _rules_for(capabilities)
    return any(
        isinstance(message, dict) and _carries_refused(message, forbidden, result_roles)
        for message in messages
    )


def _carries_refused(
    message: Mapping[str, Any],
    forbidden: Mapping[str, frozenset[str]],
    result_roles: frozenset[str],
) -> bool:
    role = message.get("role")
    return role in result_roles or not forbidden.get(str(role), _NOTHING).isdisjoint(message)


def rewrite_messages(
    messages: Sequence[Mapping[str, Any]],
    capabilities: frozenset[str] = _NOTHING,
) -> tuple[list[dict[str, Any]], list[Change]]:
    """Return the cleaned messages (new dicts; the input is untouched) and what changed.

    Tool results are folded into the user turn that follows them, if any, so that user and
    assistant turns keep alternating (some chat templates insist on it).
    """
    forbidden_by_role, result_roles = _rules_for(capabilities)
    out: list[dict[str, Any]] = []
    changes: list[Change] = []
    tool_names: dict[str, str] = {}
    pending_results: list[str] = []

    def emit(message: dict[str, Any]) -> None:
        if pending_results:
            results = "\n\n".join(pending_results)
            pending_results.clear()
            if message.get("role") == "user":
                message["content"] = _prefix(message.get("content"), results + "\n\n")
            else:
                out.append({"role": "user", "content": results})
        out.append(message)

    for index, raw in enumerate(messages):
        message = as_plain_dict(raw)
        where = f"messages[{index}]"
        if not isinstance(message, dict) or not needs_rewrite(message, capabilities):
            if isinstance(message, dict):
                emit(message)
            else:
                out.append(message)
            continue

        role = message.get("role")
        if role in result_roles:
            pending_results.append(_describe_result(message, tool_names))
            changes.append(
                Change(
                    where,
                    "rewritten",
                    f"`{role}` message became user text "
                    "because kluster.ai keeps no tool-call history.",
                )
            )
            continue

        forbidden = forbidden_by_role.get(str(role), _NOTHING)
        cleaned = {k: v for k, v in message.items() if k not in forbidden}
        content = message.get("content")

        if "name" in forbidden and "name" in message:
            if message["name"]:
                content = _prefix(content, f"{message['name']}: ")
            changes.append(
                Change(
                    f"{where}.name",
                    "rewritten",
                    "kluster.ai takes no `name`; the speaker now leads the content.",
                )
            )

        if role == "assistant":
            content, assistant_changes = _assistant_text(
                {k: v for k, v in message.items() if k in forbidden or k == "content"},
                content,
                where,
                tool_names,
            )
            changes.extend(assistant_changes)
            if _is_empty(content) and not cleaned.get("tool_calls"):
                changes.append(
                    Change(
                        where,
                        "dropped",
                        "assistant turn was empty once the fields kluster.ai refuses were removed.",
                    )
                )
                continue

        cleaned["content"] = content
        emit(cleaned)

    if pending_results:
        out.append({"role": "user", "content": "\n\n".join(pending_results)})
    return out, changes


def _assistant_text(
    message: Mapping[str, Any], content: Any, where: str, tool_names: dict[str, str]
) -> tuple[Any, list[Change]]:
    changes: list[Change] = []
    if _is_empty(content) and message.get("refusal"):
        content = str(message["refusal"])
    if "refusal" in message:
        changes.append(
            Change(
                f"{where}.refusal",
                "rewritten" if message.get("refusal") else "dropped",
                UNSUPPORTED_MESSAGE_FIELDS["refusal"].reason,
            )
        )
    if "audio" in message:
        changes.append(
            Change(f"{where}.audio", "dropped", UNSUPPORTED_MESSAGE_FIELDS["audio"].reason)
        )

    calls = [as_plain_dict(call) for call in message.get("tool_calls") or ()]
    legacy = message.get("function_call")
    if legacy:
        calls.append({"function": as_plain_dict(legacy)})
    lines = []
    for call in calls:
        described = call.get("function") or call.get("custom") or {}
        name = described.get("name", "unknown")
        arguments = described.get("arguments", described.get("input", ""))
        if call.get("id"):
            tool_names[str(call["id"])] = name
        call_id = f" (call {call['id']})" if call.get("id") else ""
        lines.append(f"{TOOL_CALL_PREFIX} {name}{call_id} with arguments: {arguments}")
    if lines:
        content = _append(content, "\n".join(lines))
    for field in ("tool_calls", "function_call"):
        if field in message:
            changes.append(
                Change(
                    f"{where}.{field}",
                    "rewritten" if message[field] else "dropped",
                    UNSUPPORTED_MESSAGE_FIELDS[field].reason,
                )
            )
    return content, changes


def _describe_result(message: Mapping[str, Any], tool_names: Mapping[str, str]) -> str:
    call_id = message.get("tool_call_id")
    name = message.get("name") or tool_names.get(str(call_id), "a tool")
    call = f" (call {call_id})" if call_id else ""
    return f"{TOOL_RESULT_PREFIX} {name}{call}: {_as_text(message.get('content'))}"


def _as_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(
            part.get("text", "") if isinstance(part, Mapping) else str(part) for part in content
        )
    return str(content)


def _is_empty(content: Any) -> bool:
    return content is None or content == "" or content == []


def _prefix(content: Any, prefix: str) -> Any:
    if content is None or isinstance(content, str):
        return prefix + (content or "")
    parts = list(content)
    for i, part in enumerate(parts):
        if isinstance(part, Mapping) and part.get("type") == "text":
            parts[i] = {**part, "text": prefix + str(part.get("text", ""))}
            return parts
    return [{"type": "text", "text": prefix.rstrip()}, *parts]


def _append(content: Any, text: str) -> Any:
    if _is_empty(content):
        return text
    if isinstance(content, str):
        return f"{content}\n{text}"
    return [*content, {"type": "text", "text": text}]
