"""Proof that the adapter is what fixes things: stock ChatOpenAI, pointed at the same
emulator, fails on each case the issue lists, and ChatKluster passes the same case."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import openai
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster


class Person(BaseModel):
    name: str
    age: int


TEXT_ONLY_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
TOOL_HISTORY = [
    HumanMessage("What is 1 + 2?"),
    AIMessage(
        "", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "c1", "type": "tool_call"}]
    ),
    ToolMessage("3", tool_call_id="c1"),
]


def _second_event_loop(llm: BaseChatModel) -> Any:
    asyncio.run(llm.abatch(["a", "b"]))
    return asyncio.run(_collect(llm))


async def _collect(llm: BaseChatModel) -> list:
    return [chunk async for chunk in llm.astream("c")]


CASES: dict[str, Callable[[BaseChatModel], Any]] = {
    "with_structured_output": lambda llm: llm.with_structured_output(Person).invoke("Ada?"),
    "message name": lambda llm: llm.invoke([HumanMessage("hi", name="ada")]),
    # On a model without native tools; tool models accept the history as it is.
    "tool-call history": lambda llm: llm.bind(model=TEXT_ONLY_MODEL).invoke(TOOL_HISTORY),
    "stream_usage=True": lambda llm: list(llm.stream("hi", stream_usage=True)),
    "n=2": lambda llm: llm.generate([[HumanMessage("hi")]], n=2),
    "astream after abatch in a new event loop": _second_event_loop,
}


@pytest.mark.parametrize("case", CASES)
def test_stock_chatopenai_fails_where_chatkluster_works(
    emulator: KlusterEmulator, case: str
) -> None:
    stock = ChatOpenAI(
        model=DEFAULT_CHAT_MODEL,
        base_url=emulator.base_url,
        api_key=EMULATOR_API_KEY,
        max_retries=0,
    )
    with pytest.raises((openai.BadRequestError, openai.APIConnectionError)):
        CASES[case](stock)

    emulator.reset()
    assert CASES[case](ChatKluster(max_retries=0))
    assert emulator.chat_requests()
