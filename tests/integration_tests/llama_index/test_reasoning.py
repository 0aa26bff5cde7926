"""KlusterLLM with reasoning models, over real HTTP to the emulator: the thinking becomes a
``ThinkingBlock`` (``thinking_delta`` when streaming), never answer text; ``complete`` gives
the answer only; the next turn's history leaves the thinking out unless asked to keep it."""

from __future__ import annotations

import pytest
from llama_index.core import VectorStoreIndex
from llama_index.core.base.llms.types import ChatMessage, TextBlock, ThinkingBlock
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from kluster_integrations.core.errors import InvalidReasoningModeError, KlusterError
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM

from .conftest import assert_contract_kept

R1 = "deepseek-ai/DeepSeek-R1-0528"
LLAMA = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
QUESTION = "Is 91 prime?"
ASK = [ChatMessage(role="user", content=QUESTION)]
THOUGHT = 'The user asks: "Is 91 prime?". I will answer in one sentence.'
ANSWER = f'Emulated reply from {R1}: you said "Is 91 prime?".'


@pytest.fixture
def r1(kluster_env: KlusterEmulator) -> KlusterLLM:
    return KlusterLLM(model=R1, max_retries=0)


def _check_blocks(message: ChatMessage, thought: str = THOUGHT, answer: str = ANSWER) -> None:
    assert message.content == answer
    assert [type(b) for b in message.blocks] == [ThinkingBlock, TextBlock]
    assert message.blocks[0].content == thought


def _check_stream(responses: list, thought: str = THOUGHT, answer: str = ANSWER) -> None:
    deltas = [r.delta for r in responses]
    thinking = [r.additional_kwargs.get("thinking_delta") for r in responses]
    assert all("<" not in (d or "") and "think>" not in (d or "") for d in deltas)
    assert "".join(d or "" for d in deltas) == answer
    assert "".join(t or "" for t in thinking) == thought
    assert sum(1 for t in thinking if t) > 5  # the thinking streams as it arrives
    _check_blocks(responses[-1].message, thought, answer)


@pytest.mark.parametrize("field", [None, "reasoning_content", "reasoning"])
def test_chat_and_stream_chat(
    r1: KlusterLLM, kluster_env: KlusterEmulator, field: str | None
) -> None:
    kluster_env.settings.reasoning_field = field
    _check_blocks(r1.chat(ASK).message)
    _check_stream(list(r1.stream_chat(ASK)))
    assert_contract_kept(kluster_env)


async def test_achat_and_astream_chat(r1: KlusterLLM) -> None:
    _check_blocks((await r1.achat(ASK)).message)
    _check_stream([r async for r in await r1.astream_chat(ASK)])


def test_complete_gives_the_answer_only(r1: KlusterLLM) -> None:
    completion = r1.complete(QUESTION)
    assert completion.text == ANSWER
    assert completion.additional_kwargs["reasoning_content"] == THOUGHT
    streamed = list(r1.stream_complete(QUESTION))
    assert streamed[-1].text == ANSWER
    assert "".join(r.delta for r in streamed) == ANSWER
    assert "".join(r.additional_kwargs.get("thinking_delta", "") for r in streamed) == THOUGHT


async def test_acomplete_and_astream_complete(r1: KlusterLLM) -> None:
    assert (await r1.acomplete(QUESTION)).text == ANSWER
    streamed = [r async for r in await r1.astream_complete(QUESTION)]
    assert streamed[-1].text == ANSWER


@pytest.mark.parametrize("field", [None, "reasoning_content", "reasoning"])
def test_drop_removes_the_thinking(kluster_env: KlusterEmulator, field: str | None) -> None:
    kluster_env.settings.reasoning_field = field
    llm = KlusterLLM(model=R1, reasoning="drop")
    message = llm.chat(ASK).message
    assert message.content == ANSWER and [type(b) for b in message.blocks] == [TextBlock]
    streamed = list(llm.stream_chat(ASK))
    assert not any(r.additional_kwargs.get("thinking_delta") for r in streamed)
    assert "reasoning_content" not in llm.complete(QUESTION).additional_kwargs


def test_inline_keeps_todays_text(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(model=R1, reasoning="inline")
    inline = f"<think>{THOUGHT}</think>\n\n{ANSWER}"
    assert llm.chat(ASK).message.content == inline
    assert list(llm.stream_chat(ASK))[-1].message.content == inline


def test_known_plain_models_are_left_alone(kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("<think>a literal tag</think> from Llama")
    assert (
        KlusterLLM(model=LLAMA).complete(QUESTION).text == "<think>a literal tag</think> from Llama"
    )


@pytest.mark.parametrize(
    ("reply", "thought", "answer"),
    [
        ("<think>a</think>b <think>c</think> d", "a", "b <think>c</think> d"),
        ("<think>2 < 3 <", "2 < 3 <", ""),
        ("<think>cut at </thi", "cut at </thi", ""),
    ],
)
def test_bad_input_has_the_same_outcome_streamed_or_not(
    r1: KlusterLLM, kluster_env: KlusterEmulator, reply: str, thought: str, answer: str
) -> None:
    kluster_env.queue_replies(reply, reply)
    whole = r1.chat(ASK).message
    last = list(r1.stream_chat(ASK))[-1].message
    for message in (whole, last):
        # LlamaIndex itself gives an empty whole answer no TextBlock (content None)
        assert (message.blocks[0].content, message.content or "") == (thought, answer)


def test_a_bad_option_is_a_typed_error(kluster_env: KlusterEmulator) -> None:
    with pytest.raises(InvalidReasoningModeError, match="'drop'") as err:
        KlusterLLM(model=R1, reasoning="hide")
    assert isinstance(err.value, KlusterError)


# --- history --------------------------------------------------------------------------------


def test_the_thinking_is_not_sent_back_by_default(
    r1: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    first = r1.chat(ASK).message
    inline = ChatMessage(role="assistant", content="<think>old</think>Old answer.")
    r1.chat(
        [
            *ASK,
            first,
            ChatMessage(role="user", content="And 97?"),
            inline,
            ChatMessage(role="user", content="Thanks"),
        ]
    )
    sent = kluster_env.chat_requests()[1]["messages"]
    assert [m["content"] for m in sent if m["role"] == "assistant"] == [ANSWER, "Old answer."]
    assert all("reasoning_content" not in m for m in sent)


def test_an_option_keeps_it(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(model=R1, keep_reasoning_in_history=True)
    first = llm.chat(ASK).message
    llm.chat([*ASK, first, ChatMessage(role="user", content="And 97?")])
    sent = kluster_env.chat_requests()[1]["messages"]
    assert sent[1]["content"] == f"<think>{THOUGHT}</think>{ANSWER}"


async def test_an_option_keeps_it_async(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(model=R1, keep_reasoning_in_history=True)
    first = (await llm.achat(ASK)).message
    await llm.achat([*ASK, first, ChatMessage(role="user", content="And 97?")])
    responses = await llm.astream_chat([*ASK, first, ChatMessage(role="user", content="?")])
    _ = [r async for r in responses]
    for body in kluster_env.chat_requests()[1:]:
        assert body["messages"][1]["content"] == f"<think>{THOUGHT}</think>{ANSWER}"


# --- what reads the answer ------------------------------------------------------------------


class Verdict(BaseModel):
    prime: bool
    reason: str


def test_structured_predict_reads_the_answer_only(
    r1: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    prompt = PromptTemplate("Is {n} prime?")
    assert r1.structured_predict(Verdict, prompt, n=91) == Verdict(
        prime=True, reason="example reason"
    )
    kluster_env.queue_replies(
        '<think>Maybe {"prime": true, "reason": "wrong"}</think>'
        '{"prime": false, "reason": "7 x 13"}'
    )
    assert r1.structured_predict(Verdict, prompt, n=91).reason == "7 x 13"


def test_query_engine_answers_without_thinking(
    index: VectorStoreIndex, r1: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    question = "How many requests per minute does the Core tier allow?"
    response = index.as_query_engine(llm=r1, similarity_top_k=2).query(question)
    assert str(response) == (
        "The Core tier allows 600 requests per minute and 100 concurrent requests."
    )
    streamed = index.as_query_engine(llm=r1, similarity_top_k=2, streaming=True).query(question)
    assert "".join(streamed.response_gen) == str(response)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # LlamaIndex's, see test_agents.py
@pytest.mark.parametrize("streaming", [True, False])
async def test_react_agent_reads_the_answer_only(
    r1: KlusterLLM, kluster_env: KlusterEmulator, streaming: bool
) -> None:
    from llama_index.core.agent.workflow import ReActAgent
    from llama_index.core.tools import FunctionTool

    calls: list[tuple[int, int]] = []

    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        calls.append((a, b))
        return a * b

    misleading = '<think>Answer: 41? Action: multiply\nAction Input: {"a": 1, "b": 1}</think>\n'
    kluster_env.queue_replies(
        misleading + 'Thought: I need a tool.\nAction: multiply\nAction Input: {"a": 6, "b": 7}',
        misleading + "Thought: I can answer without using any more tools.\nAnswer: 42.",
    )
    agent = ReActAgent(tools=[FunctionTool.from_defaults(multiply)], llm=r1, streaming=streaming)
    response = await agent.run(user_msg="What is 6 times 7?")
    assert calls == [(6, 7)]
    assert str(response) == "42."
    assert "<think>" not in str(kluster_env.chat_requests()[1]["messages"])
