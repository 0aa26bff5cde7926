"""ChatKluster with reasoning models, over real HTTP to the emulator: the thinking goes to
``additional_kwargs["reasoning_content"]`` and a reasoning content block, never into the
answer, streamed or not, sync or async; and it stays out of the next turn's history."""

from __future__ import annotations

from functools import reduce
from operator import add

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel

from kluster_integrations.core.errors import InvalidReasoningModeError, KlusterError
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster

R1 = "deepseek-ai/DeepSeek-R1-0528"
LLAMA = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
QUESTION = "Is 91 prime?"
THOUGHT = 'The user asks: "Is 91 prime?". I will answer in one sentence.'
ANSWER = f'Emulated reply from {R1}: you said "Is 91 prime?".'


def _stream(llm: ChatKluster) -> list[AIMessageChunk]:
    return list(llm.stream(QUESTION))


async def _astream(llm: ChatKluster) -> list[AIMessageChunk]:
    return [chunk async for chunk in llm.astream(QUESTION)]


def _check_separated(message: AIMessage) -> None:
    assert message.content == ANSWER
    assert message.additional_kwargs["reasoning_content"] == THOUGHT
    assert message.content_blocks == [
        {"type": "reasoning", "reasoning": THOUGHT},
        {"type": "text", "text": ANSWER},
    ]


def test_invoke_separates_the_thinking(emulator: KlusterEmulator) -> None:
    message = ChatKluster(model=R1).invoke(QUESTION)
    _check_separated(message)
    assert message.usage_metadata["output_tokens"] > 0
    assert emulator.chat_requests()[0]["model"] == R1


async def test_ainvoke_separates_the_thinking(emulator: KlusterEmulator) -> None:
    _check_separated(await ChatKluster(model=R1).ainvoke(QUESTION))


@pytest.mark.parametrize("field", [None, "reasoning_content", "reasoning"])
def test_stream_adds_up_to_the_invoked_message(
    emulator: KlusterEmulator, field: str | None
) -> None:
    emulator.settings.reasoning_field = field
    llm = ChatKluster(model=R1)
    whole = llm.invoke(QUESTION)
    chunks = _stream(llm)
    _check_separated(whole)
    for chunk in chunks:
        assert "<" not in chunk.content and "think>" not in chunk.content
        assert "<" not in chunk.additional_kwargs.get("reasoning_content", "")
    thinking = [c for c in chunks if c.additional_kwargs.get("reasoning_content")]
    assert len(thinking) > 5  # the thinking streams as it arrives
    assert thinking[0].content_blocks[0]["type"] == "reasoning"
    total = reduce(add, chunks)
    _check_separated(total)
    assert total.content == whole.content
    assert (
        total.additional_kwargs["reasoning_content"] == whole.additional_kwargs["reasoning_content"]
    )
    assert total.content_blocks == whole.content_blocks
    assert total.usage_metadata == whole.usage_metadata


async def test_astream_adds_up_to_the_invoked_message(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(model=R1)
    total = reduce(add, await _astream(llm))
    _check_separated(total)
    assert total.usage_metadata["output_tokens"] > 0


def test_streaming_flag_invoke_goes_through_the_stream(emulator: KlusterEmulator) -> None:
    _check_separated(ChatKluster(model=R1, streaming=True).invoke(QUESTION))
    assert emulator.chat_requests()[0]["stream"] is True


def test_content_blocks_come_from_the_kluster_translator(emulator: KlusterEmulator) -> None:
    """Not from langchain-core's generic fallback, whose handling of reasoning_content has
    changed between releases; the blocks after the reasoning are OpenAI's."""
    from langchain_core.messages.block_translators import get_translator

    from kluster_integrations.langchain._reasoning import translate_content

    assert get_translator("kluster")["translate_content"] is translate_content
    message = ChatKluster(model=R1).invoke(QUESTION)
    assert message.response_metadata["model_provider"] == "kluster"
    refusing = message.model_copy(
        update={"additional_kwargs": {**message.additional_kwargs, "refusal": "I will not."}}
    )
    assert refusing.content_blocks[-1] == {"type": "refusal", "refusal": "I will not."}


def test_drop_removes_the_thinking(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(model=R1, reasoning="drop")
    for message in (llm.invoke(QUESTION), reduce(add, _stream(llm))):
        assert message.content == ANSWER
        assert "reasoning_content" not in message.additional_kwargs
        assert [b["type"] for b in message.content_blocks] == ["text"]


def test_inline_keeps_todays_text(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(model=R1, reasoning="inline")
    for message in (llm.invoke(QUESTION), reduce(add, _stream(llm))):
        assert message.content == f"<think>{THOUGHT}</think>\n\n{ANSWER}"
        assert "reasoning_content" not in message.additional_kwargs


def test_the_option_is_not_sent(emulator: KlusterEmulator) -> None:
    ChatKluster(model=R1, reasoning="separate").invoke(QUESTION)
    assert "reasoning" not in emulator.chat_requests()[0]


def test_known_plain_models_are_left_alone(emulator: KlusterEmulator) -> None:
    emulator.queue_replies("<think>a literal tag</think> from Llama")
    message = ChatKluster(model=LLAMA).invoke(QUESTION)
    assert message.content == "<think>a literal tag</think> from Llama"


def test_unknown_ids_separate_a_leading_block(emulator: KlusterEmulator) -> None:
    emulator.settings.extra_models.add("acme/thinker")
    emulator.queue_replies("<think>hmm</think>Yes.", "No block here.")
    with pytest.warns(UserWarning, match="not in kluster_integrations' model catalog"):
        llm = ChatKluster(model="acme/thinker")
    first, second = llm.invoke(QUESTION), llm.invoke(QUESTION)
    assert (first.content, first.additional_kwargs["reasoning_content"]) == ("Yes.", "hmm")
    assert second.content == "No block here."
    assert "reasoning_content" not in second.additional_kwargs


def test_a_reply_cut_inside_the_thinking_has_an_empty_answer(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(model=R1, max_tokens=6)
    for message in (llm.invoke(QUESTION), reduce(add, _stream(llm))):
        assert message.content == ""
        assert message.additional_kwargs["reasoning_content"].startswith("The user")
        assert message.response_metadata["finish_reason"] == "length"


EDGE_REPLIES = [
    ("<think>a</think>b <think>c</think> d", "a", "b <think>c</think> d"),
    ("I thought.</think> Answer", None, "I thought.</think> Answer"),
    ("<think>a <think>b</think> c</think>", "a <think>b", "c</think>"),
    ("<think>2 < 3 <", "2 < 3 <", ""),
    ("<think>cut at </thi", "cut at </thi", ""),
    ("<think></think> Answer", None, "Answer"),
    ("<thi", None, "<thi"),
    ("   ", None, "   "),
]


@pytest.mark.parametrize(("reply", "reasoning", "answer"), EDGE_REPLIES)
def test_bad_input_has_the_same_outcome_streamed_or_not(
    emulator: KlusterEmulator, reply: str, reasoning: str | None, answer: str
) -> None:
    emulator.queue_replies(reply, reply)
    llm = ChatKluster(model=R1)
    for message in (llm.invoke(QUESTION), reduce(add, _stream(llm))):
        assert message.content == answer
        assert message.additional_kwargs.get("reasoning_content") == reasoning


def test_a_bad_option_is_a_typed_error_before_anything_is_sent(emulator: KlusterEmulator) -> None:
    for bad in ("hidden", {"effort": "low"}):
        with pytest.raises(InvalidReasoningModeError, match="'separate'") as err:
            ChatKluster(model=R1, reasoning=bad)
        assert isinstance(err.value, KlusterError)
    assert emulator.chat_requests() == []


# --- history --------------------------------------------------------------------------------


def test_the_thinking_is_not_sent_back_by_default(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(model=R1)
    first = llm.invoke(QUESTION)
    inline = AIMessage(content="<think>old inline thinking</think>Old answer.")
    llm.invoke(
        [HumanMessage(QUESTION), first, HumanMessage("And 97?"), inline, HumanMessage("Thanks")]
    )
    sent = emulator.chat_requests()[1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user", "assistant", "user"]
    assert sent[1]["content"] == ANSWER
    assert sent[3]["content"] == "Old answer."
    assert all("reasoning_content" not in m and "think>" not in str(m["content"]) for m in sent)


def test_an_option_keeps_it(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(model=R1, keep_reasoning_in_history=True)
    first = llm.invoke(QUESTION)
    llm.invoke([HumanMessage(QUESTION), first, HumanMessage("And 97?")])
    sent = emulator.chat_requests()[1]["messages"]
    assert sent[1]["content"] == f"<think>{THOUGHT}</think>{ANSWER}"
    assert "reasoning_content" not in sent[1]


# --- what reads the answer ------------------------------------------------------------------


class Verdict(BaseModel):
    prime: bool
    reason: str


def test_structured_output_reads_the_answer_only(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(model=R1)
    verdict = llm.with_structured_output(Verdict).invoke(QUESTION)
    assert verdict == Verdict(prime=True, reason="example reason")
    emulator.queue_replies(
        '<think>Maybe {"prime": false, "reason": "wrong"}?</think>'
        '{"prime": false, "reason": "7 x 13"}'
    )
    assert llm.with_structured_output(Verdict).invoke(QUESTION).reason == "7 x 13"
    emulator.queue_replies(
        '<think>Maybe {"prime": false, "reason": "wrong"}?</think>'
        '{"prime": false, "reason": "7 x 13"}'
    )
    streamed = list(llm.with_structured_output(Verdict).stream(QUESTION))
    assert streamed[-1].reason == "7 x 13"


async def test_stream_events_and_token_callbacks_show_answer_tokens_only(
    emulator: KlusterEmulator,
) -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    class Tokens(BaseCallbackHandler):
        def __init__(self) -> None:
            self.tokens: list[str] = []

        def on_llm_new_token(self, token: str, **kwargs: object) -> None:
            self.tokens.append(token)

    handler = Tokens()
    llm = ChatKluster(model=R1, streaming=True, callbacks=[handler])
    assert llm.invoke(QUESTION).content == ANSWER
    assert "".join(handler.tokens) == ANSWER
    events = [
        e
        async for e in ChatKluster(model=R1).astream_events(QUESTION, version="v2")
        if e["event"] == "on_chat_model_stream"
    ]
    assert "".join(e["data"]["chunk"].content for e in events) == ANSWER
    assert (
        "".join(e["data"]["chunk"].additional_kwargs.get("reasoning_content", "") for e in events)
        == THOUGHT
    )


def test_a_chain_prints_the_answer_only(emulator: KlusterEmulator) -> None:
    chain = ChatPromptTemplate.from_template("{q}") | ChatKluster(model=R1) | StrOutputParser()
    assert chain.invoke({"q": QUESTION}) == ANSWER
    assert "".join(chain.stream({"q": QUESTION})) == ANSWER
