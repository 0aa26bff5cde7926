"""The prompted-tool protocol: the prompt, the parser (hostile replies, fuzzed) and the
streaming splitter that never lets envelope JSON through as answer text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kluster_integrations.core.errors import InvalidToolError, KlusterError
from kluster_integrations.core.tools import (
    TOOLS_HEADING,
    ParsedCall,
    ParsedReply,
    PromptedTools,
    ReplyStream,
    ToolChoice,
    ToolSpec,
    normalize_tool_choice,
    parse_bare_arguments,
    parse_tool_reply,
    tools_instruction,
)
from kluster_integrations.core.tools import _protocol as tool_protocol

ADD = ToolSpec(
    "add",
    "Add two integers.",
    {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
)
NOW = ToolSpec("current_time", "The time now.")
TOOLS = [ADD, NOW]
ENVELOPE = '{"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]}'


def calls(text: str) -> list[tuple[str, dict | None, bool]]:
    return [(c.name, c.arguments, c.is_valid) for c in parse_tool_reply(text, TOOLS).calls]


@pytest.mark.parametrize(
    "reply",
    [
        ENVELOPE,
        f"```json\n{ENVELOPE}\n```",
        f"Sure, let me add them.\n{ENVELOPE}\nDone.",
        f"<think>The user wants {{a sum}}; I will call add.</think>\n{ENVELOPE}",
        '{"tool_calls": [{"name": "add", "arguments": "{\\"a\\": 1, \\"b\\": 2}"}]}',
        '{"toolCalls": {"function": {"name": "add", "arguments": {"a": 1, "b": 2}}}}',
        '{"tool": "add", "args": {"a": 1, "b": 2}}',
        '{"name": "ADD", "parameters": {"a": 1, "b": 2}}',
        '[{"type": "function", "function": {"name": "add", "arguments": "{\\"a\\":1,\\"b\\":2}"}}]',
        '{"action": "add", "action_input": {"a": 1, "b": 2}}',
    ],
)
def test_the_parser_reads_every_shape_of_call(reply: str) -> None:
    assert calls(reply) == [("add", {"a": 1, "b": 2}, True)]


def test_prose_around_the_envelope_stays_as_text_and_the_envelope_goes() -> None:
    reply = parse_tool_reply(f"Let me add them. ```json\n{ENVELOPE}\n``` One moment.", TOOLS)
    assert reply.text == "Let me add them. One moment."
    assert "tool_calls" not in reply.text


def test_several_json_objects_give_several_calls_with_unique_ids() -> None:
    reply = parse_tool_reply(
        '{"name": "add", "arguments": {"a": 1, "b": 2}}\n{"name": "current_time", "arguments": {}}',
        TOOLS,
    )
    assert [c.name for c in reply.calls] == ["add", "current_time"]
    assert len({c.id for c in reply.calls}) == 2
    one = parse_tool_reply(
        '{"name": "add", "arguments": {"a": 1, "b": 2}} {"name": "current_time"}',
        TOOLS,
        parallel=False,
    )
    assert [c.name for c in one.calls] == ["add"]


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ('{"tool_calls": [{"name": "add", "arguments": {"a": "one", "b": 2}}]}', "schema"),
        ('{"tool_calls": [{"name": "add", "arguments": {"a": 1}}]}', "required"),
        ('{"tool_calls": [{"name": "subtract", "arguments": {"a": 1}}]}', "no tool named"),
        ('{"tool_calls": [{"name": "add", "arguments": "{a: 1"}]}', "not valid JSON"),
        ('{"tool_calls": [{"name": "add", "arguments": [1, 2]}]}', "JSON object"),
    ],
)
def test_unusable_calls_come_back_invalid_with_the_reason(reply: str, problem: str) -> None:
    (call,) = parse_tool_reply(reply, TOOLS).calls
    assert not call.is_valid
    assert problem in (call.error or "")


@pytest.mark.parametrize(
    "reply",
    [
        "The answer is 3.",
        '{"answer": 3}',
        "Use {braces} and [1] freely.",
        "",
        "<think>",
        '{"name": "Ada", "age": 36}',
        "```python\nprint({'a': 1})\n```",
        # JSON in prose is a call only as an envelope
        'I will not use JSON here {broken and then {"name": "add", "input": {"a": 1, "b": 2}}',
    ],
)
def test_a_plain_answer_is_text_and_no_call(reply: str) -> None:
    parsed = parse_tool_reply(reply, TOOLS)
    assert parsed.calls == ()
    assert parsed.text == reply


def test_a_bare_object_counts_as_the_call_only_when_one_tool_is_required() -> None:
    bare = '{"a": 1, "b": 2}'
    assert PromptedTools((ADD,), ToolChoice("named", "add")).parse(bare).calls[0].arguments == {
        "a": 1,
        "b": 2,
    }
    assert PromptedTools((ADD,), ToolChoice("auto")).parse(bare).calls == ()
    assert PromptedTools((ADD,), ToolChoice("required")).parse('{"a": "x"}').calls == ()


def test_a_bare_object_that_fits_is_found_after_objects_that_do_not() -> None:
    reply = 'Not {"a": "x", "b": 1}, nor {"c": 1}: {"a": 1, "b": 2}'
    found = parse_bare_arguments(reply, ADD)
    assert found is not None and found.calls[0].arguments == {"a": 1, "b": 2}
    assert found.text == 'Not {"a": "x", "b": 1}, nor {"c": 1}: '


def schema_checks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The arguments ``parse_bare_arguments`` checks against the schema from now on."""
    checked: list[object] = []
    check = tool_protocol._schema_problem

    def counted(arguments: object, schema: Any) -> str | None:
        checked.append(arguments)
        return check(arguments, schema)

    monkeypatch.setattr(tool_protocol, "_schema_problem", counted)
    return checked


@pytest.mark.parametrize(("candidate", "count"), [("{}", 200_000), ('{"a": "x", "b": 2} ', 20_000)])
def test_many_objects_that_do_not_fit_are_not_each_checked_against_the_schema(
    candidate: str, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile reply of many small objects: the schema check (slow) runs on a few only;
    the speed is measured in benchmarks/tool_parsing.py."""
    checked = schema_checks(monkeypatch)
    assert parse_bare_arguments(candidate * count + "x", ADD) is None
    assert len(checked) <= tool_protocol.MAX_SCHEMA_CHECKS


def test_the_instruction_lists_every_tool_and_the_rule_for_the_choice() -> None:
    text = tools_instruction(TOOLS, ToolChoice("required"), parallel=False)
    assert text.startswith(TOOLS_HEADING)
    listed = [json.loads(line)["name"] for line in text.splitlines()[1:3]]
    assert listed == ["add", "current_time"]
    assert "MUST call a tool" in text and "exactly one call" in text
    assert "MUST" not in tools_instruction(TOOLS, ToolChoice("auto"))
    assert "'add'" in tools_instruction([ADD], ToolChoice("named", "add"))


def test_the_instruction_keeps_each_tools_declared_parameter_order() -> None:
    spec = ToolSpec(
        "handoff",
        "Hand over.",
        {
            "type": "object",
            "properties": {"to_agent": {"type": "string"}, "reason": {"type": "string"}},
            "required": ["to_agent", "reason"],
        },
    )
    line = tools_instruction([spec]).splitlines()[1]
    assert line.index('"to_agent"') < line.index('"reason"') < line.index('"required"')
    assert json.loads(line)["parameters"]["required"] == ["to_agent", "reason"]


@pytest.mark.parametrize(
    ("given_choice", "expected"),
    [
        (None, ToolChoice("auto")),
        ("auto", ToolChoice("auto")),
        (False, ToolChoice("auto")),
        ("any", ToolChoice("required")),
        (True, ToolChoice("required")),
        ("required", ToolChoice("required")),
        ("none", ToolChoice("none")),
        ("add", ToolChoice("named", "add")),
        ({"type": "function", "function": {"name": "add"}}, ToolChoice("named", "add")),
    ],
)
def test_tool_choice_values(given_choice: object, expected: ToolChoice) -> None:
    assert normalize_tool_choice(given_choice, ["add"]) == expected


@pytest.mark.parametrize("bad", ["subtract", "sometimes", 3, {"type": "function"}])
def test_an_unknown_tool_choice_is_a_typed_error(bad: object) -> None:
    with pytest.raises(InvalidToolError, match="tool_choice") as info:
        normalize_tool_choice(bad, ["add"])
    assert isinstance(info.value, KlusterError)


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "function", "function": {"description": "no name"}},
        {"type": "function", "function": {"name": "f", "parameters": {"type": 12}}},
        {"type": "function", "function": {"name": "f", "parameters": {"default": object()}}},
    ],
)
def test_a_tool_that_cannot_be_written_into_a_prompt_is_a_typed_error(tool: dict) -> None:
    with pytest.raises(InvalidToolError):
        ToolSpec.from_openai(tool)


def stream_all(pieces: list[str], tools: list[ToolSpec] = TOOLS) -> tuple[str, list[str]]:
    splitter = ReplyStream(tools)
    shown = "".join(splitter.feed(p) for p in pieces)
    reply, rest = splitter.finish()
    return shown + rest, [c.name for c in reply.calls]


def test_streamed_text_passes_at_once_and_the_envelope_is_held_back() -> None:
    splitter = ReplyStream(TOOLS)
    assert splitter.feed("Let me ") == "Let me "
    assert splitter.feed("add. ") == "add. "
    assert splitter.feed('{"tool_') == ""
    assert splitter.feed('calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]}') == ""
    reply, rest = splitter.finish()
    assert [c.name for c in reply.calls] == ["add"] and rest == ""


def test_a_held_back_reply_that_is_no_call_comes_out_whole() -> None:
    text = "Sets look like {1, 2} in Python."
    assert stream_all([text[:10], text[10:20], text[20:]]) == (text, [])


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.text(max_size=40), cut=st.lists(st.integers(0, 200), max_size=6), fenced=st.booleans()
)
def test_fuzz_no_envelope_ever_reaches_the_text(prefix: str, cut: list[int], fenced: bool) -> None:
    body = f"```json\n{ENVELOPE}\n```" if fenced else ENVELOPE
    # a prefix that opens a <think> block (never closed) makes the whole reply reasoning
    assume(not prefix.lstrip().startswith("<think>"))
    text = f"{prefix.replace('`', '')} {body}"
    points = sorted({min(c, len(text)) for c in cut})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    shown, names = stream_all(pieces)
    assert names[-1:] == ["add"]
    assert '"tool_calls"' not in shown


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "tool", "arguments", "args", "tool_calls", "function", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSONISH, noise=st.text(max_size=30))
def test_fuzz_hostile_replies_never_crash_the_parser(value: object, noise: str) -> None:
    text = f"{noise}{json.dumps(value)}{noise}"
    reply = parse_tool_reply(text, TOOLS)
    for call in reply.calls:
        assert call.id.startswith("call_")
        assert call.is_valid == (call.error is None)
        if call.is_valid:
            assert call.name in {"add", "current_time"}
    shown, _ = stream_all([text[: len(text) // 2], text[len(text) // 2 :]])
    assert isinstance(shown, str)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_fuzz_arbitrary_text_never_crashes(text: str) -> None:
    parse_tool_reply(text, TOOLS)
    stream_all([text])


# --- hostile replies: read in one pass, and envelope JSON never reaches the text ----------

_CODE_LINES = (
    '    for (int i = 0; i < n; i++) { buf[i] = table[j] + f(x, "s{"); }\n'
    "    if (a[0] > 1) { int b[] = {1, 2, 3}; memcpy(out, b, sizeof b); }\n"
)


def code_reply(size: int) -> str:
    """About ``size`` characters of C in a fence, with prose around it."""
    body = (_CODE_LINES * (size // len(_CODE_LINES) + 1))[:size]
    return f"Here is the program:\n```c\nint main(void) {{\n{body}}}\n```\nDone."


def streamed(
    text: str, size: int, tools: list[ToolSpec] = TOOLS
) -> tuple[list[str], str, ParsedReply]:
    """What a ``ReplyStream`` shows for each ``size``-character piece of ``text``, what it
    shows at the end, and its reply."""
    splitter = ReplyStream(tools)
    shown = [splitter.feed(text[i : i + size]) for i in range(0, len(text), size)]
    reply, rest = splitter.finish()
    return shown, rest, reply


def summary(calls: tuple[ParsedCall, ...]) -> list[tuple[str, object, str | None]]:
    return [(c.name, c.arguments, c.error) for c in calls]


@pytest.mark.parametrize(
    "text",
    [
        code_reply(1_000_000),
        "[" * 100_000,
        '{"a": ' * 100_000 + "1" + "}" * 100_000,
        "{" * 100_000,
        '{"tool_calls" ' * 50_000,
    ],
    ids=["1 MB of code", "100k [", "100k-deep object", "100k {", "50k markers without :"],
)
def test_big_and_deep_replies_are_text_read_in_one_pass(text: str) -> None:
    # Before the parser was linear these took from 10 s to minutes (benchmarks/tool_parsing.py).
    assert parse_tool_reply(text, TOOLS) == ParsedReply(text)


def test_an_envelope_nested_too_deep_is_an_invalid_call() -> None:
    deep = '{"a": ' * 100_000 + "1" + "}" * 100_000
    reply = parse_tool_reply(f'{{"tool_calls": [{{"name": "add", "arguments": {deep}}}]}}', TOOLS)
    (call,) = reply.calls
    assert call.name == "add" and call.arguments is None and "deeper than" in (call.error or "")
    assert reply.text == ""


def test_a_long_stream_in_small_pieces_passes_through_as_it_arrives() -> None:
    code = code_reply(2_000_000)
    shown, rest, reply = streamed(code, 64)
    assert "".join(shown) + rest == reply.text == code
    assert rest == "" and all(shown)  # nothing held back: code cannot open an envelope


def test_text_around_an_envelope_streams_and_only_the_envelope_is_held() -> None:
    text = "Let me check {the set}.\n" + ENVELOPE + "\nThen {more} text."
    shown, rest, reply = streamed(text, 1)
    prefix = "Let me check {the set}.\n"
    assert "".join(shown[: len(prefix)]) == prefix  # each character as it arrived
    assert "".join(shown) + rest == reply.text == prefix + "Then {more} text."
    assert summary(reply.calls) == [("add", {"a": 1, "b": 2}, None)]


def test_whitespace_before_thinking_in_one_character_pieces() -> None:
    pieces = [" "] * 200_000 + ["<think>", '{"tool_calls": []}', "</think>", "\n", ENVELOPE]
    splitter = ReplyStream(TOOLS)
    shown = "".join(splitter.feed(piece) for piece in pieces)
    reply, rest = splitter.finish()
    assert shown + rest == reply.text == " " * 200_000 + '<think>{"tool_calls": []}</think>\n'
    assert [c.name for c in reply.calls] == ["add"]


@pytest.mark.parametrize(
    ("reply", "text", "problem"),
    [
        # cut off after a whole call: not a call, and '{"tool_calls":' stays out of the text
        (
            'Let me add. {"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}',
            "Let me add. ",
            "cut off",
        ),
        ('{"tool_calls": [{"name": "add", "arguments": {"a": 1', "", "cut off"),
        ('{"tool_calls": [{"name": "add" "arguments": {"a": 1, "b": 2}}]}', "", "not valid JSON"),
        (
            '{"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}]]} Done.',
            "Done.",
            "belongs",
        ),
        ('{"tool_calls": [{"name": "add", "a": 1, "b": 2}]}', "", "beside its name"),
        ('```json\n{"tool_calls": "add"}\n```', "", "list of calls"),
        ('{"tool_calls": [{"arguments": {"a": 1, "b": 2}}]}', "", "name"),
    ],
)
def test_an_envelope_that_cannot_be_read_is_one_invalid_call_and_no_text(
    reply: str, text: str, problem: str
) -> None:
    parsed = parse_tool_reply(reply, TOOLS)
    (call,) = parsed.calls
    assert not call.is_valid and call.arguments is None and problem in (call.error or "")
    assert parsed.text == text
    shown, rest, streamed_reply = streamed(reply, 3)
    assert "".join(shown) + rest == text
    assert summary(streamed_reply.calls) == summary(parsed.calls)


@pytest.mark.parametrize(
    "reply",
    [
        '{"name": "add", "a": 6}',
        'The tool takes {"name": "add", "a": 6}.',
        'Call it as {"name": "add", "arguments": {"a": 1, "b": 2}} in your code.',
        '[{"name": "add", "a": 6}]',
    ],
)
def test_a_bare_object_is_no_call_and_no_arguments_are_dropped(reply: str) -> None:
    assert parse_tool_reply(reply, TOOLS) == ParsedReply(reply)
    assert stream_all([reply[:9], reply[9:]]) == (reply, [])


_PIECES = st.sampled_from(
    [
        " ",
        "\n\n",
        "Sure.",
        "{x}",
        "[1]",
        "```",
        "```json\n",
        "\n```",
        "`",
        "{",
        "}",
        "]",
        '"',
        "<think>",
        "</think>",
        '{"tool_calls":',
        ENVELOPE,
        ENVELOPE[:-3],
        '{"tool_calls": [{"name": "add" "arguments": {}}]}',
        '{"name": "add", "arguments": {"a": 1, "b": 2}}',
        '{"name": "add", "a": 6}',
        '"tool_calls"',
    ]
)


@settings(max_examples=100, deadline=None)
@given(
    parts=st.lists(_PIECES | st.text(max_size=6), max_size=8),
    cuts=st.lists(st.integers(0, 400), max_size=8),
)
def test_fuzz_a_stream_gives_the_text_and_calls_of_the_whole_reply(
    parts: list[str], cuts: list[int]
) -> None:
    text = "".join(parts)
    whole = parse_tool_reply(text, TOOLS)
    points = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    splitter = ReplyStream(TOOLS)
    shown = "".join(splitter.feed(piece) for piece in pieces)
    reply, rest = splitter.finish()
    assert shown + rest == reply.text == whole.text
    assert summary(reply.calls) == summary(whole.calls)
