"""Prompted tool calling: tools written into the system prompt, calls read back from the text.

On models without native tools, the adapters describe the tools in the system prompt
(``tools_instruction``) and ask for either a plain answer or one JSON envelope::

    {"tool_calls": [{"name": "multiply", "arguments": {"a": 6, "b": 7}}]}

``parse_tool_reply`` reads the reply robustly: a leading ``<think>`` block, code fences,
prose around the JSON, several JSON values, arguments given as a JSON string and near-miss
key names (``tool``/``function``/``action``, ``args``/``parameters``/``input``) are all
understood. Each call gets a unique id and its arguments are checked against the tool's
JSON schema; a call that cannot be used comes back with ``error`` set (the adapters make it
an invalid tool call), never as an exception. ``ReplyStream`` does the same for a streamed
reply: text passes through as soon as it cannot be part of an envelope, the envelope is held
back until the reply is complete.

Example::

    >>> spec = ToolSpec("add", "Add two numbers.", {"type": "object",
    ...     "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}})
    >>> reply = parse_tool_reply('Sure. ```json\\n{"tool": "add", "args": "{\\\\"a\\\\": 1, '
    ...                          '\\\\"b\\\\": 2}"}\\n```', [spec])
    >>> [(call.name, call.arguments) for call in reply.calls], reply.text
    ([('add', {'a': 1, 'b': 2})], 'Sure.')
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema

from kluster_integrations.core.errors import InvalidToolError

#: The emulator looks for this heading to know the package's protocol is in use.
TOOLS_HEADING = "Tools you can call (name, description, JSON schema of the arguments):"
ENVELOPE_KEY = "tool_calls"

_DECODER = json.JSONDecoder()
_FENCE = re.compile(r"```[A-Za-z]*[ \t]*\n?(.*?)```", re.DOTALL)
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"

# Near-miss key names, compared after lower-casing and dropping "_", "-" and spaces.
_ENVELOPE_KEYS = (
    "toolcalls",
    "toolcall",
    "calls",
    "functioncalls",
    "functioncall",
    "tooluse",
    "tools",
    "actions",
)
_NAME_KEYS = ("name", "toolname", "tool", "functionname", "function", "action", "recipientname")
_ARGUMENT_KEYS = (
    "arguments",
    "args",
    "parameters",
    "params",
    "input",
    "actioninput",
    "toolinput",
    "kwargs",
    "argument",
)


def _norm(key: Any) -> str:
    return re.sub(r"[\s_\-]", "", str(key)).lower()


@dataclass(frozen=True)
class ToolSpec:
    """One tool as the model is told about it."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )

    @classmethod
    def from_openai(cls, tool: Mapping[str, Any]) -> ToolSpec:
        """From an OpenAI tool dict (``{"type": "function", "function": {...}}``) or a bare
        function dict; ``InvalidToolError`` when it has no name or a schema that cannot be
        written into a prompt."""
        function = tool.get("function", tool) if isinstance(tool, Mapping) else None
        if (
            not isinstance(function, Mapping)
            or not isinstance(function.get("name"), str)
            or not function["name"]
        ):
            raise InvalidToolError(
                f"A tool needs a name to be called through the prompt; got {tool!r}. Pass "
                "LangChain tools, LlamaIndex tools or OpenAI function dicts."
            )
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        try:
            _validator(json.dumps(parameters, sort_keys=True))
        except (TypeError, ValueError, jsonschema.SchemaError) as err:
            raise InvalidToolError(
                f"The argument schema of tool {function['name']!r} cannot be written into a "
                f"prompt ({str(err).splitlines()[0]}). Give the tool JSON-serializable, valid "
                "JSON-schema parameters (a Pydantic model or typed function arguments)."
            ) from err
        return cls(function["name"], str(function.get("description") or ""), parameters)


ChoiceMode = Literal["auto", "none", "required", "named"]


@dataclass(frozen=True)
class ToolChoice:
    """What the model may do with the tools: ``auto``, ``none``, ``required`` or ``named``
    (``name`` must be called)."""

    mode: ChoiceMode = "auto"
    name: str | None = None

    def as_openai(self) -> str | dict[str, Any]:
        """The ``tool_choice`` value for the chat-completions API."""
        if self.mode == "named":
            return {"type": "function", "function": {"name": self.name}}
        return self.mode


def normalize_tool_choice(choice: Any, tool_names: Sequence[str]) -> ToolChoice:
    """Read a ``tool_choice`` as the frameworks give it.

    ``None``/``False``/``"auto"`` mean auto; ``"any"``/``"required"``/``True`` mean required;
    ``"none"`` means no call; a tool name or ``{"type": "function", "function": {"name": ...}}``
    names one tool. Anything else raises ``InvalidToolError`` (before sending).

    >>> normalize_tool_choice("any", ["add"]), normalize_tool_choice("add", ["add"]).mode
    (ToolChoice(mode='required', name=None), 'named')
    """
    if choice is None or choice is False or choice == "auto":
        return ToolChoice("auto")
    if choice is True or choice in ("any", "required"):
        return ToolChoice("required")
    if choice == "none":
        return ToolChoice("none")
    name = None
    if isinstance(choice, str):
        name = choice
    elif isinstance(choice, Mapping):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
        if choice.get("type") in ("any", "required"):
            return ToolChoice("required")
        if choice.get("type") == "auto":
            return ToolChoice("auto")
    if isinstance(name, str) and name in tool_names:
        return ToolChoice("named", name)
    raise InvalidToolError(
        f"tool_choice={choice!r} is not understood: use 'auto', 'none', 'required' (or 'any' / "
        f"True), or the name of one of the tools ({', '.join(tool_names) or 'none given'})."
    )


def tools_instruction(
    tools: Sequence[ToolSpec], choice: ToolChoice = ToolChoice(), parallel: bool = True
) -> str:
    """The system-prompt paragraph that describes ``tools`` and the reply protocol."""
    listing = "\n".join(
        json.dumps(
            {"name": t.name, "description": t.description, "parameters": t.parameters},
            ensure_ascii=False,
            sort_keys=True,
        )
        for t in tools
    )
    how_many = "one or more calls" if parallel else "exactly one call"
    if choice.mode == "required":
        rule = "You MUST call a tool now: answer with the JSON tool-call object only."
    elif choice.mode == "named":
        rule = f"You MUST call the tool {choice.name!r} now: answer with the JSON object only."
    else:
        rule = (
            "If a tool helps, answer with the JSON tool-call object only. Otherwise answer "
            "the user in plain text, without any JSON."
        )
    return (
        f"{TOOLS_HEADING}\n{listing}\n\n"
        f"To call tools, reply with a single JSON object holding {how_many}, and nothing else:\n"
        f'{{"{ENVELOPE_KEY}": [{{"name": "<tool name>", "arguments": {{<arguments matching '
        f"its schema>}}}}]}}\n"
        f"{rule} Tool results come back in the next message; then answer the user or call "
        "tools again."
    )


@dataclass(frozen=True)
class ParsedCall:
    """One tool call read from a reply; ``error`` says why it cannot be used (``arguments``
    is then ``None`` when they could not be read at all)."""

    id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str
    error: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ParsedReply:
    """The answer text (envelopes removed) and the tool calls found."""

    text: str
    calls: tuple[ParsedCall, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()

    @property
    def valid_calls(self) -> tuple[ParsedCall, ...]:
        return tuple(c for c in self.calls if c.is_valid)

    @property
    def invalid_calls(self) -> tuple[ParsedCall, ...]:
        return tuple(c for c in self.calls if not c.is_valid)


def new_call_id() -> str:
    """A unique tool-call id in OpenAI's style."""
    return "call_" + uuid.uuid4().hex[:24]


def parse_tool_reply(text: str, tools: Sequence[ToolSpec], *, parallel: bool = True) -> ParsedReply:
    """Find the tool calls in ``text``; see the module docstring. Never raises."""
    if not isinstance(text, str) or not text:
        return ParsedReply(text if isinstance(text, str) else "")
    by_name = {t.name: t for t in tools}
    start = _after_thinking(text)
    raw_calls: list[tuple[Any, Any, bool]] = []
    spans: list[tuple[int, int]] = []
    for begin, end, value in _json_values(text, start):
        found: list[tuple[Any, Any, bool]] = []
        _collect(value, found, in_envelope=False, by_name=by_name, depth=0)
        if found:
            raw_calls.extend(found)
            spans.append((begin, end))
    if not raw_calls:
        return ParsedReply(text)
    calls = [_make_call(name, args, by_name) for name, args, _ in raw_calls]
    if not parallel:
        calls = calls[:1]
    return ParsedReply(remove_spans(text, spans), tuple(calls), tuple(spans))


def parse_bare_arguments(text: str, tool: ToolSpec) -> ParsedReply | None:
    """The first JSON object in ``text`` that fits ``tool``'s schema, as a call of ``tool``
    (for a reply that gives the arguments without the envelope), else ``None``."""
    if not isinstance(text, str):
        return None
    for begin, end, value in _json_values(text, _after_thinking(text)):
        if isinstance(value, dict) and _schema_problem(value, tool.parameters) is None:
            call = ParsedCall(new_call_id(), tool.name, value, _dumps(value))
            return ParsedReply(remove_spans(text, [(begin, end)]), (call,), ((begin, end),))
    return None


def remove_spans(text: str, spans: Iterable[tuple[int, int]], offset: int = 0) -> str:
    """``text`` without the ``spans`` (indices shifted by ``offset``), empty code fences
    dropped, surrounding whitespace trimmed."""
    joined, at = "", 0
    for begin, end in sorted(spans):
        begin, end = max(begin - offset, 0), max(end - offset, 0)
        joined = _join(joined, text[at:begin])
        at = max(at, end)
    joined = _join(joined, text[at:])
    joined = re.sub(r"```[A-Za-z]*\s*```", "", joined)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


def _join(left: str, right: str) -> str:
    """Glue two pieces of text around a removed span with one space (or their newline)."""
    if not left or not right:
        return left + right
    left, right = left.rstrip(" \t"), right.lstrip(" \t")
    if left.endswith("\n") or right.startswith("\n"):
        return left + right
    return f"{left} {right}"


def _after_thinking(text: str) -> int:
    """Where the answer starts: after a leading ``<think>...</think>`` block, if any."""
    stripped = len(text) - len(text.lstrip())
    if text.startswith(_THINK_OPEN, stripped):
        end = text.find(_THINK_CLOSE, stripped)
        return end + len(_THINK_CLOSE) if end >= 0 else len(text)
    return 0


def _json_values(text: str, start: int) -> Iterable[tuple[int, int, Any]]:
    """``(begin, end, value)`` of each top-level JSON object or array after ``start``; a
    code fence around a value counts as part of its span."""
    fences = [(m.start(), m.end(), m.start(1), m.end(1)) for m in _FENCE.finditer(text, start)]
    at = start
    while True:
        match = re.compile(r"[\[{]").search(text, at)
        if match is None:
            return
        try:
            value, end = _DECODER.raw_decode(text, match.start())
        except (json.JSONDecodeError, RecursionError):
            at = match.start() + 1
            continue
        begin = match.start()
        for f_begin, f_end, inner_begin, inner_end in fences:
            if (
                inner_begin <= begin
                and end <= inner_end
                and not text[inner_begin:begin].strip()
                and not text[end:inner_end].strip()
            ):
                begin, end = f_begin, f_end
        yield begin, end, value
        at = end


def _collect(
    value: Any,
    found: list[tuple[Any, Any, bool]],
    *,
    in_envelope: bool,
    by_name: Mapping[str, ToolSpec],
    depth: int,
) -> None:
    if depth > 6:
        return
    if isinstance(value, list):
        for item in value:
            _collect(item, found, in_envelope=in_envelope, by_name=by_name, depth=depth + 1)
        return
    if not isinstance(value, dict):
        return
    keys = {_norm(k): k for k in value}
    for key in _ENVELOPE_KEYS:
        if key in keys and isinstance(value[keys[key]], list | dict):
            inner = value[keys[key]]
            if key == "tools" and not _looks_like_calls(inner):
                continue
            _collect(inner, found, in_envelope=True, by_name=by_name, depth=depth + 1)
            return
    name_key = next((keys[k] for k in _NAME_KEYS if k in keys), None)
    name = value.get(name_key) if name_key is not None else None
    if isinstance(name, dict):  # {"function": {"name": ..., "arguments": ...}}
        _collect(name, found, in_envelope=True, by_name=by_name, depth=depth + 1)
        return
    if not isinstance(name, str):
        return
    args_key = next((keys[k] for k in _ARGUMENT_KEYS if k in keys), None)
    if not (in_envelope or args_key is not None or _match_name(name, by_name) is not None):
        return
    found.append((name, value.get(args_key) if args_key is not None else None, in_envelope))


def _looks_like_calls(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return all(isinstance(i, dict) and any(_norm(k) in _NAME_KEYS for k in i) for i in items)


def _match_name(name: str, by_name: Mapping[str, ToolSpec]) -> str | None:
    if name in by_name:
        return name
    wanted = _norm(name)
    close = [known for known in by_name if _norm(known) == wanted]
    return close[0] if len(close) == 1 else None


def _make_call(name: Any, args: Any, by_name: Mapping[str, ToolSpec]) -> ParsedCall:
    raw = args if isinstance(args, str) else _dumps(args if args is not None else {})
    matched = _match_name(str(name), by_name)
    if matched is None:
        return ParsedCall(
            new_call_id(),
            str(name),
            None,
            raw,
            f"there is no tool named {name!r} (tools: {', '.join(by_name)})",
        )
    arguments, problem = _read_arguments(args)
    if problem is None:
        problem = _schema_problem(arguments, by_name[matched].parameters)
    if problem is not None:
        return ParsedCall(new_call_id(), matched, arguments, raw, problem)
    return ParsedCall(new_call_id(), matched, arguments, raw)


def _read_arguments(args: Any) -> tuple[dict[str, Any] | None, str | None]:
    if args is None or args == "":
        return {}, None
    for _ in range(2):  # arguments given as a JSON string, possibly encoded twice
        if not isinstance(args, str):
            break
        try:
            args = json.loads(args)
        except (json.JSONDecodeError, RecursionError):
            return None, "the arguments are not valid JSON"
    if not isinstance(args, dict):
        return None, f"the arguments must be a JSON object, not {type(args).__name__}"
    return args, None


@functools.lru_cache(maxsize=256)
def _validator(schema_text: str) -> Any:
    """A checked validator for the schema written as ``schema_text`` (cached: checking a
    schema against its meta-schema costs about a millisecond)."""
    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _schema_problem(arguments: Any, schema: Mapping[str, Any]) -> str | None:
    try:
        validator = _validator(json.dumps(schema, sort_keys=True))
        error = jsonschema.exceptions.best_match(validator.iter_errors(arguments))
    except (jsonschema.SchemaError, RecursionError, TypeError, ValueError) as err:
        return f"the arguments could not be checked ({type(err).__name__})"
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path) or "(arguments)"
    return f"the arguments do not match the tool's schema at {where}: {error.message}"


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


#: Where a held-back envelope may begin: an object, a fence, or a list of objects.
_ENVELOPE_START = re.compile(r"\{|```|\[\s*\{")
#: A tail that may grow into one of those starts once more text arrives.
_PARTIAL_START = re.compile(r"(`{1,2}|\[\s*)$")


class ReplyStream:
    """Split a streamed reply into text to show now and an envelope to hold back.

    >>> splitter = ReplyStream([ToolSpec("add")])
    >>> splitter.feed("Let me "), splitter.feed('check. {"tool_calls": [{"na'),
    ('Let me ', 'check. ')
    >>> splitter.feed('me": "add"}]}')
    ''
    >>> reply, rest = splitter.finish()
    >>> [c.name for c in reply.calls], repr(rest)
    (['add'], "''")
    """

    def __init__(self, tools: Sequence[ToolSpec], *, parallel: bool = True) -> None:
        self._tools = tools
        self._parallel = parallel
        self._text = ""
        self._emitted = 0
        self._holding = False

    @property
    def text(self) -> str:
        return self._text

    def feed(self, delta: str) -> str:
        """Add ``delta``; return the part of the reply that can be shown now."""
        self._text += delta
        if self._holding:
            return ""
        pending = self._text[self._emitted :]
        match = _ENVELOPE_START.search(pending)
        if match is not None:
            self._holding = True
            cut = match.start()
        else:
            partial = _PARTIAL_START.search(pending)
            cut = partial.start() if partial else len(pending)
        shown = pending[:cut]
        self._emitted += cut
        return shown

    def finish(self) -> tuple[ParsedReply, str]:
        """The whole reply parsed, and the text not shown yet that is answer, not envelope."""
        reply = parse_tool_reply(self._text, self._tools, parallel=self._parallel)
        rest = self._text[self._emitted :]
        if reply.calls:
            rest = remove_spans(rest, reply.spans, offset=self._emitted)
            if rest and self._emitted and self._text[: self._emitted].strip():
                rest = "\n" + rest
        return reply, rest
