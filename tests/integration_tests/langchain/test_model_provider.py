"""Every ChatKluster answer says ``response_metadata["model_provider"] == "kluster"``
(real-time and batch, whole and streamed, sync and async), and its ``content_blocks`` are
what they were when LangChain read them with its ``"openai"`` translator: text and tool
calls as OpenAI's, a reasoning model's thinking first, usage untouched."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.block_translators import get_translator
from langchain_core.tools import tool

from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster

TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
R1 = "deepseek-ai/DeepSeek-R1-0528"
QUESTION = "What is 6 times 7?"


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def _summed(chunks: list[BaseMessage]) -> BaseMessage:
    return reduce(add, chunks)


async def _astreamed(runnable: Any) -> BaseMessage:
    return _summed([chunk async for chunk in runnable.astream(QUESTION)])


WAYS: dict[str, Callable[[Any], BaseMessage]] = {
    "invoke": lambda runnable: runnable.invoke(QUESTION),
    "stream": lambda runnable: _summed(list(runnable.stream(QUESTION))),
    "ainvoke": lambda runnable: asyncio.run(runnable.ainvoke(QUESTION)),
    "astream": lambda runnable: asyncio.run(_astreamed(runnable)),
}

MODELS: dict[str, Callable[[], Any]] = {
    "text": lambda: ChatKluster(model=TEXT_MODEL),
    "native tool call": lambda: ChatKluster(model=TOOL_MODEL).bind_tools([multiply]),
    "prompted tool call": lambda: ChatKluster(model=TEXT_MODEL).bind_tools([multiply]),
    "reasoning": lambda: ChatKluster(model=R1),
    "reasoning inline": lambda: ChatKluster(model=R1, reasoning="inline"),
}


def openai_blocks(message: BaseMessage) -> list[Any]:
    """The blocks LangChain gave before: its ``"openai"`` translator's."""
    translator = get_translator("openai")
    assert translator is not None
    if isinstance(message, AIMessage) and message.__class__.__name__ == "AIMessageChunk":
        return translator["translate_content_chunk"](message)  # type: ignore[arg-type]
    return translator["translate_content"](message)  # type: ignore[arg-type]


def check_kluster_message(message: BaseMessage) -> None:
    assert isinstance(message, AIMessage)
    assert message.response_metadata["model_provider"] == "kluster"
    thinking = message.additional_kwargs.get("reasoning_content")
    expected = openai_blocks(message)
    if thinking:
        expected = [{"type": "reasoning", "reasoning": thinking}, *expected]
    assert message.content_blocks == expected
    if message.tool_calls:
        calls = [b for b in message.content_blocks if b["type"] == "tool_call"]
        assert [(c["name"], c["args"]) for c in calls] == [
            (call["name"], call["args"]) for call in message.tool_calls
        ]
    else:
        texts = [b["text"] for b in message.content_blocks if b["type"] == "text"]
        assert "".join(texts) == message.content and message.content
    assert message.usage_metadata is not None and message.usage_metadata["total_tokens"] > 0


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("kind", MODELS)
def test_every_answer_is_kluster_with_the_same_blocks(
    kluster_env: KlusterEmulator, kind: str, way: str
) -> None:
    message = WAYS[way](MODELS[kind]())
    check_kluster_message(message)
    if "tool call" in kind:
        assert message.tool_calls and message.tool_calls[0]["name"] == "multiply"
    if kind == "reasoning":
        assert message.content_blocks[0]["type"] == "reasoning"
    if kind == "reasoning inline":
        assert "<think>" in message.content
    sent = kluster_env.chat_requests()[-1]
    assert sent["stream"] is way.endswith("stream")


def test_every_streamed_chunk_is_kluster(kluster_env: KlusterEmulator) -> None:
    chunks = list(ChatKluster(model=TEXT_MODEL).stream(QUESTION))
    assert len(chunks) > 2
    assert {chunk.response_metadata.get("model_provider") for chunk in chunks} <= {
        "kluster",
        None,  # langchain-core's own closing chunk carries no metadata
    }
    assert _summed(chunks).response_metadata["model_provider"] == "kluster"


@pytest.mark.parametrize("model", [TEXT_MODEL, R1])
def test_batch_answers_are_kluster_with_the_same_blocks(
    kluster_env: KlusterEmulator, kluster_batches: Any, model: str
) -> None:
    llm = ChatKluster(model=model)
    job = llm.submit_batch(["one", "two"])
    job.wait(poll_interval=0.01, progress=False)
    for message in job.results():
        check_kluster_message(message)
