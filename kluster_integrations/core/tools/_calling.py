"""The ``tool_calling`` option, and the plan for tools written into the prompt.

Both adapters build an OpenAI request with ``tools`` as their stock classes do. Before the
request is sanitized, ``plan_request`` decides per request's model:

- native (a tool model in ``"auto"``, any model in ``"native"``): the request goes as built;
- prompted (every other model in ``"auto"``, any model in ``"prompt"``): ``tools``,
  ``tool_choice`` and ``parallel_tool_calls`` leave the request, the tools are written into
  the system prompt (``core.tools``), and the returned ``PromptedTools`` plan says how the
  answer path reads the reply back as tool calls (``core.tools._replies``).

Example::

    request, capabilities, plan = plan_request(payload, mode="auto")   # before sanitizing
    plan.parse('{"tool_calls": [{"name": "multiply", "arguments": {"a": 6, "b": 7}}]}')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kluster_integrations.core.contract import TOOL_PARAMETERS
from kluster_integrations.core.errors import InvalidToolCallError, InvalidToolError
from kluster_integrations.core.models import capabilities_of
from kluster_integrations.core.tools._protocol import (
    ParsedCall,
    ParsedReply,
    ToolChoice,
    ToolSpec,
    normalize_tool_choice,
    parse_bare_arguments,
    parse_tool_reply,
    tools_instruction,
)

ToolCallingMode = Literal["auto", "native", "prompt", "off"]
TOOL_CALLING_MODES: tuple[ToolCallingMode, ...] = ("auto", "native", "prompt", "off")


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
    json_answer: bool = False
    """The answer is JSON (an explicit ``response_format``): a reply that is only JSON is
    that answer, and only an envelope holds calls."""

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

    def written_into(self, messages: Any) -> list[Any]:
        """``messages`` with these tools described in the leading system message."""
        instruction = tools_instruction(
            self.tools, self.choice, self.parallel, json_answer=self.json_answer
        )
        return with_system_text(messages, instruction)

    @property
    def required(self) -> bool:
        return self.choice.mode in ("required", "named")

    def parse(self, text: str) -> ParsedReply:
        """The reply read with the protocol parser; when one tool must be called, a bare
        JSON object that fits its schema also counts as its call (structured output)."""
        reply = parse_tool_reply(
            text, self.tools, parallel=self.parallel, bare_calls=not self.json_answer
        )
        if reply.calls or not self.required or len(self.tools) != 1:
            return reply
        return parse_bare_arguments(text, self.tools[0]) or reply


def check_native_tools(request: Mapping[str, Any]) -> None:
    """Raise ``InvalidToolError`` for a ``tool_choice`` no tool answers (native mode)."""
    tools = request.get("tools") or []
    if "tool_choice" in request and tools:
        normalize_tool_choice(request["tool_choice"], _names(tools))


def plan_request(
    request: Mapping[str, Any],
    mode: ToolCallingMode,
    *,
    invalid_as_calls: bool = False,
    json_answer: bool = False,
) -> tuple[dict[str, Any], frozenset[str], PromptedTools | None]:
    """The request to sanitize, the capabilities to sanitize it with, and the prompted
    plan (``None`` when the tools, if any, go native); see the module docstring. Bad tools
    or ``tool_choice`` raise ``InvalidToolError`` before sending. ``json_answer``: the
    answer is to be JSON (an explicit ``response_format``), not plain text."""
    out = dict(request)
    model = out.get("model")
    caps = model_capabilities(mode, model)
    tools = out.get("tools")
    if not tools:
        return out, caps, None
    resolved = resolve_mode(mode, model)
    if resolved != "prompt":
        if resolved == "native":
            check_native_tools(out)
        return out, caps, None
    specs = tuple(ToolSpec.from_openai(tool) for tool in tools)
    choice = normalize_tool_choice(out.get("tool_choice"), [s.name for s in specs])
    parallel = out.get("parallel_tool_calls") is not False
    for key in TOOL_PARAMETERS:
        out.pop(key, None)
    if choice.mode == "none":
        return out, caps, None
    offered = tuple(s for s in specs if s.name == choice.name) if choice.mode == "named" else specs
    plan = PromptedTools(offered, choice, parallel, invalid_as_calls, json_answer)
    out["messages"] = plan.written_into(out.get("messages") or [])
    return out, caps, plan


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
