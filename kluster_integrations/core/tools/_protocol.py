"""Prompted tool calling: tools written into the system prompt, calls read back from the text.

On models without native tools, the adapters describe the tools in the system prompt
(``tools_instruction``) and ask for either a plain answer or one JSON envelope::

    {"tool_calls": [{"name": "multiply", "arguments": {"a": 6, "b": 7}}]}

``parse_tool_reply`` reads the reply in one pass, in time linear in its length
(``core.tools``):

- An envelope anywhere in the answer holds calls (prose around it and a code fence are
  fine). From its opening ``{"tool_calls":`` on it is meant as a call: an envelope that is
  cut off, is not valid JSON or holds a call of the wrong shape gives an invalid call, and
  never reaches the text.
- A reply that is only JSON (fenced or not) may also use near-miss shapes: a list of calls,
  one ``{"name": ..., "arguments": ...}`` object, other key names (``tool``/``function``/
  ``action``, ``args``/``parameters``/``input``), arguments given as a JSON string.
- Other JSON in prose is answer text: ``Try {"name": "add", "a": 1}`` holds no call.
- A leading ``<think>`` block is reasoning and is not read for calls.

Each call gets a unique id and its arguments are checked against the tool's JSON schema; a
call that cannot be used comes back with ``error`` set (the adapters make it an invalid
tool call), never as an exception. ``ReplyStream`` gives the same text and calls for a
streamed reply, passing text on as soon as it cannot be part of an envelope.

Example::

    >>> spec = ToolSpec("add", "Add two numbers.", {"type": "object",
    ...     "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}})
    >>> reply = parse_tool_reply('Sure. ```json\\n{"tool_calls": [{"name": "add", '
    ...                          '"arguments": {"a": 1, "b": 2}}]}\\n``` Done.', [spec])
    >>> [(call.name, call.arguments) for call in reply.calls], reply.text
    ([('add', {'a': 1, 'b': 2})], 'Sure. Done.')
    >>> reply = parse_tool_reply('{"tool": "add", "args": "{\\\\"a\\\\": 1}"}', [spec])
    >>> [(call.name, call.arguments) for call in reply.calls], reply.text
    ([('add', {'a': 1})], '')
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema

from kluster_integrations.core.errors import InvalidToolError
from kluster_integrations.core.reasoning import answer_start
from kluster_integrations.core.tools._json_extent import MAX_DEPTH, JsonExtent
from kluster_integrations.core.tools._reply_reader import (
    ENVELOPE_KEY,
    ReplyReader,
    text_without,
)

#: The emulator looks for this heading to know the package's protocol is in use.
TOOLS_HEADING = "Tools you can call (name, description, JSON schema of the arguments):"
#: The most JSON objects ``parse_bare_arguments`` checks against the tool's schema: a reply
#: that gives the arguments bare gives them once, perhaps after an example or two.
MAX_SCHEMA_CHECKS = 8
_DECODER = json.JSONDecoder()
#: How an object that may be JSON starts: a key or its end after the opening brace.
_OBJECT_START = re.compile(r'\{[ \t\n\r]*["}]')
#: The most text JSON's decoder is given to read one object: its errors take time in
#: proportion to where in that text they are (the line number), so longer objects are
#: left to ``JsonExtent``.
_DECODED_WINDOW = 1024

_FENCE_OPENING = re.compile(r"```[A-Za-z]*[ \t\r\n]*\Z")
_FENCE_CLOSING = re.compile(r"[ \t\r\n]*```")
_REQUIRED_RULE = "You MUST call a tool now"
_NAMED_RULE = re.compile(r"You MUST call the tool '([^'\n]{1,200})' now")
_NAME_HINT = re.compile(r'"name"[ \t\r\n]*:[ \t\r\n]*"([^"\\\n]{1,200})"')
#: Keys a call may have beside its name and arguments (OpenAI's shape has them).
_BESIDE_A_CALL = ("type", "id", "index")

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
            schema_validator(json.dumps(parameters, sort_keys=True))
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
    tools: Sequence[ToolSpec],
    choice: ToolChoice = ToolChoice(),
    parallel: bool = True,
    *,
    json_answer: bool = False,
) -> str:
    """The system-prompt paragraph that describes ``tools`` and the reply protocol. Each
    tool's parameters are listed in the order it declares them (models fill them in that
    order), with its ``required`` list as given. ``json_answer``: the answer is the JSON a
    ``schema_instruction`` after this paragraph asks for, not plain text."""
    listing = "\n".join(
        json.dumps(
            {"name": t.name, "description": t.description, "parameters": t.parameters},
            ensure_ascii=False,
        )
        for t in tools
    )
    how_many = "one or more calls" if parallel else "exactly one call"
    return (
        f"{TOOLS_HEADING}\n{listing}\n\n"
        f"To call tools, reply with a single JSON object holding {how_many}, and nothing else:\n"
        f'{{"{ENVELOPE_KEY}": [{{"name": "<tool name>", "arguments": {{<arguments matching '
        f"its schema>}}}}]}}\n"
        f"{choice_rule(choice, tools, json_answer=json_answer)} Tool results come back in "
        "the next message; then answer the user or call tools again."
    )


def choice_rule(choice: ToolChoice, tools: Sequence[ToolSpec], *, json_answer: bool = False) -> str:
    """What ``choice`` asks of the model, in words: the tool a call must name when it is
    required (``choice_in_prompt`` reads it back); ``json_answer`` as in
    ``tools_instruction``."""
    if choice.mode == "required":
        names = ", ".join(repr(t.name) for t in tools)
        return f"{_REQUIRED_RULE} (one of {names}): answer with the JSON tool-call object only."
    if choice.mode == "named":
        return f"You MUST call the tool {choice.name!r} now: answer with the JSON object only."
    if json_answer:
        return (
            "If a tool helps, answer with the JSON tool-call object only. Otherwise answer "
            "with the JSON value described below, not a tool call."
        )
    return (
        "If a tool helps, answer with the JSON tool-call object only. Otherwise answer "
        "the user in plain text, without any JSON."
    )


def choice_in_prompt(text: str) -> ToolChoice:
    """The ``tool_choice`` a ``choice_rule`` in ``text`` states (the emulator reads it).

    >>> choice_in_prompt(choice_rule(ToolChoice("named", "add"), []))
    ToolChoice(mode='named', name='add')
    """
    named = _NAMED_RULE.search(text)
    if named is not None:
        return ToolChoice("named", named.group(1))
    return ToolChoice("required") if _REQUIRED_RULE in text else ToolChoice("auto")


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


def parse_tool_reply(
    text: str, tools: Sequence[ToolSpec], *, parallel: bool = True, bare_calls: bool = True
) -> ParsedReply:
    """Find the tool calls in ``text``; see the module docstring. Never raises.
    ``bare_calls=False``: only an envelope holds calls (a reply that is only JSON is the
    answer, when a JSON answer was asked for).

    The same as feeding ``text`` to a ``ReplyStream`` (in one piece or many) and finishing.
    """
    if not isinstance(text, str) or not text:
        return ParsedReply(text if isinstance(text, str) else "")
    splitter = ReplyStream(tools, parallel=parallel, bare_calls=bare_calls)
    splitter.feed(text)
    return splitter.finish()[0]


def parse_bare_arguments(text: str, tool: ToolSpec) -> ParsedReply | None:
    """The first JSON object in ``text`` that fits ``tool``'s schema, as a call of ``tool``
    (for a reply that gives the arguments without the envelope), else ``None``.

    One pass over ``text``: an object that is not valid JSON is skipped whole, and an
    object that never closes ends the search. Only objects holding the schema's required
    keys are checked against it, and at most ``MAX_SCHEMA_CHECKS`` of them (a check costs
    far more than reading the object).
    """
    if not isinstance(text, str):
        return None
    at = answer_start(text)
    required = _required_keys(tool.parameters)
    checks_left = MAX_SCHEMA_CHECKS
    while checks_left and (start := text.find("{", at)) >= 0:
        end, value = _object_at(text, start)
        if end < 0:
            return None
        at = end
        if not isinstance(value, dict) or not value.keys() >= required:
            continue
        checks_left -= 1
        if _schema_problem(value, tool.parameters) is None:
            call = ParsedCall(new_call_id(), tool.name, value, _dumps(value))
            begin, end = _with_fence(text, start, end)
            return ParsedReply(text_without(text, begin, end), (call,), ((begin, end),))
    return None


def _object_at(text: str, start: int) -> tuple[int, Any]:
    """Where the object opening at ``text[start]`` ends and its value (``None`` when it is
    not JSON, the end then being where that shows); the end is -1 when it never closes.

    JSON's own decoder reads it (fast) when it is short; ``JsonExtent`` what that decoder
    refuses or does not reach, and what may nest deeper than ``MAX_DEPTH`` (which is skipped
    as ``JsonExtent`` skips it).
    """
    if _OBJECT_START.match(text, start):  # else not JSON: JsonExtent says where that shows
        try:
            value, length = _DECODER.raw_decode(text[start : start + _DECODED_WINDOW])
        except (ValueError, RecursionError):
            pass
        else:
            end = start + length
            if length <= 2 * MAX_DEPTH or (
                text.count("{", start, end) + text.count("[", start, end) <= MAX_DEPTH
            ):
                return end, value
    extent = JsonExtent(strict=True)
    end = extent.feed(text, start)
    if end < 0 or extent.problem is not None:
        return end, None
    return end, _loads(text[start:end])


def _required_keys(schema: Mapping[str, Any]) -> frozenset[str]:
    """The keys ``schema`` requires at its top (none when it lists them otherwise than as
    a list of names: its own check decides)."""
    required = schema.get("required")
    if not isinstance(required, list):
        return frozenset()
    return frozenset(key for key in required if isinstance(key, str))


def _with_fence(text: str, begin: int, end: int) -> tuple[int, int]:
    """``(begin, end)`` widened to a code fence that holds only that span."""
    opening = _FENCE_OPENING.search(text, 0, begin)
    closing = _FENCE_CLOSING.match(text, end)
    if opening is not None and closing is not None:
        return opening.start(), closing.end()
    return begin, end


class _Calls:
    """The calls in the JSON a ``ReplyReader`` finds (its ``CallSink``), in reply order."""

    def __init__(self, tools: Sequence[ToolSpec], bare_calls: bool = True) -> None:
        self.by_name = {t.name: t for t in tools}
        self.bare_calls = bare_calls
        self.found: list[ParsedCall] = []

    def envelope(self, raw: str, problem: str | None) -> None:
        """An envelope, as the protocol asks for it: each call in it, valid or not, or one
        invalid call when the envelope itself cannot be read."""
        value = None
        if problem is None:
            value, problem = _decode(raw)
        calls = value.get(ENVELOPE_KEY) if isinstance(value, dict) else None
        items = [calls] if isinstance(calls, dict) else calls
        if problem is None and not isinstance(items, list):
            problem = f'has {_kind(calls)} under "{ENVELOPE_KEY}" where a list of calls belongs'
        if problem is not None or not isinstance(items, list):
            error = f"the tool-call JSON {problem}; nothing of it was called"
            self.found.append(ParsedCall(new_call_id(), _name_hint(raw), None, raw, error))
            return
        self.found.extend(call for item in items if (call := self._call(item, bare=False)))

    def values(self, texts: Sequence[str]) -> list[bool]:
        """A reply made only of these JSON texts: the calls in each (near-miss shapes are
        read too), recorded when there are any; none without ``bare_calls``."""
        if not self.bare_calls:
            return [False] * len(texts)
        calls = []
        for text in texts:
            value, problem = _decode(text)
            if problem is not None:
                return [False] * len(texts)
            calls.append(self._lenient(value, 0))
        for found in calls:
            self.found.extend(found)
        return [bool(found) for found in calls]

    def _lenient(self, value: Any, depth: int) -> list[ParsedCall]:
        if depth > 6:
            return []
        if isinstance(value, list):
            return [call for item in value for call in self._lenient(item, depth + 1)]
        if not isinstance(value, dict):
            return []
        keys = {_norm(k): k for k in value}
        for key in _ENVELOPE_KEYS:
            inner = value[keys[key]] if key in keys else None
            if isinstance(inner, list | dict) and (key != "tools" or _looks_like_calls(inner)):
                items = inner if isinstance(inner, list) else [inner]
                return [call for item in items if (call := self._call(item, bare=False))]
        call = self._call(value, bare=True)
        return [call] if call is not None else []

    def _call(self, item: Any, *, bare: bool) -> ParsedCall | None:
        """``item`` read as one call. ``bare`` (not in an envelope): only an object with a
        name and arguments and nothing else is a call, anything else is ``None``; in an
        envelope, anything else is an invalid call."""
        if not isinstance(item, dict):
            return None if bare else self._invalid("", item, "a call must be a JSON object")
        keys = {_norm(k): k for k in item}
        name_key = next((k for k in _NAME_KEYS if k in keys), None)
        args_key = next((k for k in _ARGUMENT_KEYS if k in keys), None)
        extra = [keys[k] for k in keys if k not in (name_key, args_key, *_BESIDE_A_CALL)]
        name = item[keys[name_key]] if name_key is not None else None
        if isinstance(name, dict) and args_key is None and not extra:
            return self._call(name, bare=bare)  # {"type": "function", "function": {...}}
        if bare and (not isinstance(name, str) or args_key is None or extra):
            return None
        if not isinstance(name, str) or not name:
            return self._invalid("", item, 'a call needs its tool\'s name under "name"')
        if extra:
            listed = ", ".join(repr(k) for k in extra)
            return self._invalid(
                name, item, f'the call has {listed} beside its name; arguments go in "arguments"'
            )
        return _make_call(name, item[keys[args_key]] if args_key else None, self.by_name)

    @staticmethod
    def _invalid(name: str, item: Any, error: str) -> ParsedCall:
        return ParsedCall(new_call_id(), name, None, _dumps(item), error)


def _decode(text: str) -> tuple[Any, str | None]:
    """``text`` decoded, or why it cannot be."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as err:
        return None, f"is not valid JSON ({err.msg} at character {err.pos})"
    except (ValueError, RecursionError) as err:
        return None, f"is not valid JSON ({str(err)[:100]})"


def _loads(text: str) -> Any:
    return _decode(text)[0]


def _kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return {str: "a string", int: "a number", float: "a number"}.get(type(value), "nothing")


def _name_hint(raw: str) -> str:
    """The first ``"name": "..."`` in an envelope that cannot be read, else ``""``."""
    match = _NAME_HINT.search(raw)
    return match.group(1) if match else ""


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
def schema_validator(schema_text: str) -> Any:
    """A checked validator for the schema written as ``schema_text`` (cached: checking a
    schema against its meta-schema costs about a millisecond)."""
    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _schema_problem(arguments: Any, schema: Mapping[str, Any]) -> str | None:
    try:
        validator = schema_validator(json.dumps(schema, sort_keys=True))
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


class ReplyStream:
    """Split a streamed reply into text to show now and the calls, read when it ends.

    Text passes through as soon as it cannot be part of an envelope; only what may still be
    one is held back. ``shown + rest`` (everything ``feed`` returned, then what ``finish``
    returns) is exactly ``parse_tool_reply(whole reply).text``, and the calls are the same,
    however the reply was cut into pieces.

    >>> splitter = ReplyStream([ToolSpec("add")])
    >>> splitter.feed("Let me "), splitter.feed('check. {"tool_calls": [{"na'),
    ('Let me ', 'check. ')
    >>> splitter.feed('me": "add"}]}')
    ''
    >>> reply, rest = splitter.finish()
    >>> [c.name for c in reply.calls], repr(rest), reply.text
    (['add'], "''", 'Let me check. ')
    """

    def __init__(
        self, tools: Sequence[ToolSpec], *, parallel: bool = True, bare_calls: bool = True
    ) -> None:
        self._calls = _Calls(tools, bare_calls)
        self._reader = ReplyReader(self._calls)
        self._parallel = parallel

    def feed(self, delta: str) -> str:
        """Add ``delta``; return the part of the reply that can be shown now."""
        self._reader.feed(delta)
        return self._reader.take()

    def finish(self) -> tuple[ParsedReply, str]:
        """The whole reply parsed, and the answer text not shown yet."""
        text = self._reader.finish()
        rest = self._reader.take()
        calls = self._calls.found if self._parallel else self._calls.found[:1]
        return ParsedReply(text, tuple(calls), tuple(self._reader.spans)), rest
