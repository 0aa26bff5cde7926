"""ChatKluster reads each answer into the same message ChatOpenAI makes of it.

ChatKluster has the openai SDK build answers with pydantic's validator (``core/answer/_parsing.py``)
rather than its loose constructor. Here both classes get the same answers from the emulator
(text, a native tool call, a reasoning model's reply, streamed and not, sync and async) and
their messages are compared field by field; only the completion id differs per request.
ChatKluster runs with ``reasoning="inline"`` so the reasoning reply is left as written.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster

TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
REASONING_MODEL = "deepseek-ai/DeepSeek-R1-0528"


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def both(emulator: KlusterEmulator, model: str, tools: bool) -> tuple[Any, Any]:
    """Stock ChatOpenAI and ChatKluster on ``model``, with ``multiply`` bound if ``tools``."""
    stock = ChatOpenAI(model=model, base_url=emulator.base_url, api_key="k")
    ours = ChatKluster(model=model, reasoning="inline")
    if tools:
        return stock.bind_tools([multiply]), ours.bind_tools([multiply])
    return stock, ours


def fields(message: BaseMessage) -> dict[str, Any]:
    assert isinstance(message, AIMessage)
    # the id differs per request; the provider is "kluster" (test_model_provider.py); cost_usd
    # is ChatKluster's own addition (tests/integration_tests/langchain/test_cost.py)
    dropped = ("id", "model_provider", "cost_usd")
    metadata = {k: v for k, v in message.response_metadata.items() if k not in dropped}
    return {
        "content": message.content,
        "additional_kwargs": message.additional_kwargs,
        "response_metadata": metadata,
        "usage_metadata": message.usage_metadata,
        "tool_calls": [{**c, "id": None} for c in message.tool_calls],
        "invalid_tool_calls": message.invalid_tool_calls,
    }


CASES = {
    "text": (TOOL_MODEL, False, "Say hello."),
    "native tool call": (TOOL_MODEL, True, "What is 6 times 7? multiply"),
    "reasoning reply": (REASONING_MODEL, False, "Why is the sky blue?"),
}


@pytest.mark.parametrize(("model", "tools", "prompt"), CASES.values(), ids=CASES.keys())
def test_invoke_reads_answers_as_chat_openai_does(
    emulator: KlusterEmulator, model: str, tools: bool, prompt: str
) -> None:
    stock, ours = both(emulator, model, tools)
    expected = fields(stock.invoke(prompt))
    assert fields(ours.invoke(prompt)) == expected
    assert fields(asyncio.run(ours.ainvoke(prompt))) == expected
    assert len(emulator.chat_requests()) == 3


@pytest.mark.parametrize(("model", "tools", "prompt"), CASES.values(), ids=CASES.keys())
def test_stream_reads_chunks_as_chat_openai_does(
    emulator: KlusterEmulator, model: str, tools: bool, prompt: str
) -> None:
    stock, ours = both(emulator, model, tools)
    expected = [(c.content, c.additional_kwargs, c.tool_call_chunks) for c in stock.stream(prompt)]
    got = [(c.content, c.additional_kwargs, c.tool_call_chunks) for c in ours.stream(prompt)]
    assert got == expected and len(got) > 2

    async def collect() -> list[Any]:
        return [
            (c.content, c.additional_kwargs, c.tool_call_chunks) async for c in ours.astream(prompt)
        ]

    assert asyncio.run(collect()) == expected


def test_response_headers_still_come_with_the_answer(emulator: KlusterEmulator) -> None:
    """``include_response_headers`` reads the raw response, which the parsing wraps."""
    llm = ChatKluster(model=TOOL_MODEL, include_response_headers=True)
    assert "content-type" in llm.invoke("Say hello.").response_metadata["headers"]
    first = next(iter(llm.stream("Say hello.")))
    assert "text/event-stream" in first.response_metadata["headers"]["content-type"]
