"""One ``<think>`` rule for reasoning, prompted tools and structured output: whatever the
reply, the answer the reasoning splitter gives is where tools and JSON are looked for."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from kluster_integrations.core.reasoning import answer_start, split_reasoning
from kluster_integrations.core.tools import extract_json

PIECES = st.sampled_from(["<think>", "</think>", " ", "\n", "a", '{"x": 1}', '{"x": 2}', "<"])


@given(st.lists(PIECES, max_size=12).map("".join))
def test_the_splitter_and_answer_start_agree(reply: str) -> None:
    start = answer_start(reply)
    after = reply[start:].lstrip() if start else reply  # the gap after </think> is dropped
    assert after == split_reasoning(reply).answer


def test_a_closing_tag_without_an_opening_one_is_answer_text() -> None:
    """Structured output used to cut at any ``</think>``, even one in the answer."""
    assert extract_json('{"x": 1} and then </think> {"x": 2}') == {"x": 1}
    assert extract_json('<think>maybe {"x": 2}</think>{"x": 1}') == {"x": 1}


CALL = '{"tool_calls": [{"name": "ping", "arguments": {}}]}'
TOOL_PIECES = st.sampled_from(["<think>", "</think>", " ", "\n", "a", CALL, "<", "{"])


@given(st.lists(TOOL_PIECES, max_size=10), st.integers(min_value=1, max_value=7))
def test_the_tool_reader_skips_the_block_the_splitter_takes_as_reasoning(
    pieces: list[str], size: int
) -> None:
    """The prompted-tools reader keeps its own streaming recognizer of the block (it must
    pass the raw text through with positions); it finds calls exactly where the
    reasoning splitter says the answer is, fed whole or in pieces."""
    from kluster_integrations.core.tools import ReplyStream, ToolSpec, parse_tool_reply

    tools = [ToolSpec("ping")]
    reply = "".join(pieces)
    answer = split_reasoning(reply).answer
    # an answer that itself starts like a block would be read as one when parsed alone
    assume(not answer.startswith("<"))
    expected = [call.name for call in parse_tool_reply(answer, tools).calls]
    assert [call.name for call in parse_tool_reply(reply, tools).calls] == expected
    stream = ReplyStream(tools)
    for at in range(0, len(reply), size):
        stream.feed(reply[at : at + size])
    parsed, _ = stream.finish()
    assert [call.name for call in parsed.calls] == expected
