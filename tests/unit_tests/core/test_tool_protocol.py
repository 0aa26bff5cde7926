"""The prompted-tool protocol: the prompt, the parser (hostile replies, fuzzed) and the
streaming splitter that never lets envelope JSON through as answer text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kluster_integrations.core.errors import InvalidToolError, KlusterError
from kluster_integrations.core.tool_calling import PromptedTools
from kluster_integrations.core.tool_protocol import (
    TOOLS_HEADING,
    ReplyStream,
    ToolChoice,
    ToolSpec,
    normalize_tool_choice,
    parse_tool_reply,
    tools_instruction,
)

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
        'I will not use JSON here {broken and then {"name": "add", "input": {"a": 1, "b": 2}}',
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


def test_the_instruction_lists_every_tool_and_the_rule_for_the_choice() -> None:
    text = tools_instruction(TOOLS, ToolChoice("required"), parallel=False)
    assert text.startswith(TOOLS_HEADING)
    listed = [json.loads(line)["name"] for line in text.splitlines()[1:3]]
    assert listed == ["add", "current_time"]
    assert "MUST call a tool" in text and "exactly one call" in text
    assert "MUST" not in tools_instruction(TOOLS, ToolChoice("auto"))
    assert "'add'" in tools_instruction([ADD], ToolChoice("named", "add"))


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
