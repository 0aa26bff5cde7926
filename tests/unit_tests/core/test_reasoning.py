"""The reasoning splitter: every bad-input case has a defined outcome, and streaming a reply in
any chunking gives exactly what splitting it whole gives, with nothing lost."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kluster_integrations.core.errors import InvalidReasoningModeError, KlusterError
from kluster_integrations.core.reasoning import (
    CLOSE_TAG,
    OPEN_TAG,
    ReasoningSplitter,
    Split,
    resolve_reasoning_mode,
    split_reasoning,
    strip_history_reasoning,
    with_reasoning,
)

# (reply, expected reasoning, expected answer)
CASES = [
    ("<think>step by step</think>The answer.", "step by step", "The answer."),
    ("<think>\nhmm\n</think>\n\nParis.", "\nhmm\n", "Paris."),
    ("  \n<think>lead</think>A", "lead", "A"),
    ("Plain answer, no thinking.", "", "Plain answer, no thinking."),
    # a closing tag without an opening one is answer text
    ("I thought.</think>Answer", "", "I thought.</think>Answer"),
    ("</think>Answer", "", "</think>Answer"),
    # no nesting: the first closing tag ends the block
    ("<think>a<think>b</think>c</think>d", "a<think>b", "c</think>d"),
    # only a leading block is reasoning; repeated or mid-answer blocks stay in the answer
    ("<think>a</think>b<think>c</think>d", "a", "b<think>c</think>d"),
    ("Answer <think>aside</think> more", "", "Answer <think>aside</think> more"),
    # only thinking, closed or not (the stream or the token budget ended inside it)
    ("<think>all thought</think>", "all thought", ""),
    ("<think>cut off mid", "cut off mid", ""),
    ("<think>cut at the tag </thi", "cut at the tag </thi", ""),
    # an empty block
    ("<think></think>Answer", "", "Answer"),
    ("<think>\n\n</think>\n\nAnswer", "\n\n", "Answer"),
    # something that only looks like the start of a tag
    ("<thinking>no</thinking>", "", "<thinking>no</thinking>"),
    ("<thi", "", "<thi"),
    ("<", "", "<"),
    ("", "", ""),
    ("   ", "", "   "),
]


@pytest.mark.parametrize(("reply", "reasoning", "answer"), CASES)
def test_whole_replies(reply: str, reasoning: str, answer: str) -> None:
    assert split_reasoning(reply) == Split(reasoning, answer)


@pytest.mark.parametrize(("reply", "reasoning", "answer"), CASES)
def test_one_character_at_a_time(reply: str, reasoning: str, answer: str) -> None:
    splitter = ReasoningSplitter()
    pieces = [splitter.feed(char) for char in reply] + [splitter.finish()]
    assert "".join(p.reasoning for p in pieces) == reasoning
    assert "".join(p.answer for p in pieces) == answer


def test_tags_split_across_chunks_never_leak() -> None:
    splitter = ReasoningSplitter()
    chunks = ["<think>step", " by", " step</th", "ink>The", " end"]
    pieces = [splitter.feed(c) for c in chunks] + [splitter.finish()]
    assert pieces == [
        Split("step", ""),
        Split(" by", ""),
        Split(" step", ""),
        Split("", "The"),
        Split("", " end"),
        Split("", ""),
    ]


@pytest.mark.parametrize("space", [" ", "\n"])
def test_long_whitespace_around_the_tags_one_character_at_a_time(space: str) -> None:
    # Quadratic before (leading and trailing whitespace were joined again for every piece):
    # 200,000 pieces took about 15 s on each side of the block.
    pieces = [space] * 200_000 + [OPEN_TAG, "plan", CLOSE_TAG] + [space] * 200_000 + ["Hi."]
    splitter = ReasoningSplitter()
    splits = [splitter.feed(piece) for piece in pieces] + [splitter.finish()]
    assert "".join(s.reasoning for s in splits) == "plan"
    assert "".join(s.answer for s in splits) == "Hi."
    assert splitter.prefix == splitter.gap == space * 200_000


def test_reasoning_arrives_as_it_is_written() -> None:
    splitter = ReasoningSplitter()
    assert splitter.feed("<think>first") == Split("first", "")
    assert splitter.feed(" second <") == Split(" second ", "")  # "<" may start "</think>"
    assert splitter.feed("b>") == Split("<b>", "")


def test_answer_is_not_held_back_without_a_think_block() -> None:
    splitter = ReasoningSplitter()
    assert splitter.feed("Hello") == Split("", "Hello")
    assert splitter.feed("<think>") == Split("", "<think>")


def test_reasoning_field_comes_before_the_content() -> None:
    assert split_reasoning("Answer", "thought") == Split("thought", "Answer")
    splitter = ReasoningSplitter()
    assert splitter.feed(None, "a") == Split("a", "")
    assert splitter.feed("", "b") == Split("b", "")
    assert splitter.feed("Answer") == Split("", "Answer")
    assert splitter.found and not splitter.closed


def test_flags() -> None:
    closed, cut, plain = ReasoningSplitter(), ReasoningSplitter(), ReasoningSplitter()
    closed.feed("<think>x</think>y")
    cut.feed("<think>x")
    plain.feed("y")
    assert (closed.found, closed.closed) == (True, True)
    assert (cut.found, cut.closed) == (True, False)
    assert (plain.found, plain.closed) == (False, False)


# --- any chunking of any reply -------------------------------------------------------------

_parts = st.sampled_from(
    [
        OPEN_TAG,
        CLOSE_TAG,
        "<",
        "</",
        "<th",
        "</thi",
        "think>",
        " ",
        "\n",
        "a",
        "b c",
        "{",
        "}",
        "<think",
        "</think",
    ]
)
replies = st.one_of(
    st.lists(_parts, max_size=12).map("".join),
    st.text(alphabet=st.sampled_from("<>/thinkx \n"), max_size=40),
    st.builds(
        lambda ws, r, gap, a, close: ws + OPEN_TAG + r + (CLOSE_TAG if close else "") + gap + a,
        st.text(" \n", max_size=2),
        st.text(max_size=20),
        st.text(" \n", max_size=3),
        st.text(max_size=20),
        st.booleans(),
    ),
)


@st.composite
def chunked(draw: st.DrawFn) -> tuple[str, list[str]]:
    reply = draw(replies)
    cuts = sorted(draw(st.lists(st.integers(0, len(reply)), max_size=10)))
    bounds = [0, *cuts, len(reply)]
    return reply, [reply[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=400, deadline=None)
@given(chunked())
def test_any_chunking_gives_back_the_original(case: tuple[str, list[str]]) -> None:
    reply, chunks = case
    splitter = ReasoningSplitter()
    pieces = [splitter.feed(chunk) for chunk in chunks] + [splitter.finish()]
    reasoning = "".join(p.reasoning for p in pieces)
    answer = "".join(p.answer for p in pieces)
    # the same as the whole reply split at once...
    assert Split(reasoning, answer) == split_reasoning(reply)
    # ...and nothing lost: reasoning and answer, each in order, rebuild the reply
    if not splitter.found:
        assert answer == reply
    elif splitter.closed:
        assert splitter.prefix + OPEN_TAG + reasoning + CLOSE_TAG + splitter.gap + answer == reply
    else:
        assert splitter.prefix + OPEN_TAG + reasoning == reply and answer == ""
    # pieces are only ever appended, so equal joins mean no piece showed text (such as a
    # partial tag) that belonged to the other side or to the markup


# --- modes and history -----------------------------------------------------------------------


def test_default_mode_follows_the_catalog() -> None:
    assert resolve_reasoning_mode("deepseek-ai/DeepSeek-R1-0528", None) == "separate"
    assert resolve_reasoning_mode("Qwen/Qwen3-235B-A22B-FP8", None) == "separate"
    assert resolve_reasoning_mode("ft:my-fine-tune", None) == "separate"
    assert resolve_reasoning_mode("google/gemma-3-27b-it", None) == "inline"
    assert resolve_reasoning_mode("google/gemma-3-27b-it", "drop") == "drop"


def test_a_bad_mode_is_a_typed_error_that_names_the_options() -> None:
    with pytest.raises(InvalidReasoningModeError, match=r"'separate'.*'inline'.*'drop'") as err:
        resolve_reasoning_mode("deepseek-ai/DeepSeek-R1-0528", "hidden")
    assert isinstance(err.value, KlusterError) and isinstance(err.value, ValueError)


def test_history_loses_the_thinking() -> None:
    history = [
        {"role": "user", "content": "<think>user text is never touched</think>"},
        {"role": "assistant", "content": "<think>long</think>\n\nShort."},
        {"role": "assistant", "content": "No block.", "reasoning_content": "field"},
        {"role": "assistant", "content": [{"type": "text", "text": "<think>x</think>Y"}]},
        {"role": "assistant", "content": "Mid <think>kept</think>"},
    ]
    cleaned = strip_history_reasoning(history)
    assert cleaned[0] is history[0]
    assert cleaned[1] == {"role": "assistant", "content": "Short."}
    assert cleaned[2] == {"role": "assistant", "content": "No block."}
    assert cleaned[3] == {"role": "assistant", "content": [{"type": "text", "text": "Y"}]}
    assert cleaned[4] is history[4]
    assert history[1]["content"].startswith("<think>")  # the input is not changed


def test_with_reasoning_round_trips() -> None:
    assert split_reasoning(with_reasoning("A", "R")) == Split("R", "A")
