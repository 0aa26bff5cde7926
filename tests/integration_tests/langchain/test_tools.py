"""ChatKluster with tools: native on a tool model, prompted on a text-only model, through
bind_tools, create_agent, LangGraph and with_structured_output, checked on the wire."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from pydantic import BaseModel, ValidationError

from kluster_integrations.core.errors import (
    ImageInputNotSupportedError,
    InvalidToolError,
    ToolCallRequiredError,
)
from kluster_integrations.core.tools import CORRECTION, TOOLS_HEADING
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster

TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
MODES = {"native": TOOL_MODEL, "prompted": TEXT_MODEL}
TOOL_KEYS = {"tools", "tool_choice", "parallel_tool_calls"}

executed: list[tuple[int, int]] = []


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    executed.append((a, b))
    return a * b


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


class Person(BaseModel):
    """A person."""

    name: str
    age: int


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    executed.clear()


@pytest.fixture(params=list(MODES))
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


def clean_bodies(emulator: KlusterEmulator, mode: str) -> list[dict[str, Any]]:
    """The chat bodies sent, each one the contract accepts, with tools only when native."""
    bodies = emulator.chat_requests()
    assert bodies
    for body in bodies:
        assert contract_violations(body) == [], body
        assert "response_format" not in body
        if mode == "prompted":
            assert not TOOL_KEYS & set(body)
    return bodies


def test_bind_tools_gives_tool_calls(emulator: KlusterEmulator, mode: str) -> None:
    llm = ChatKluster(model=MODES[mode])
    message = llm.bind_tools([multiply, get_weather]).invoke("What is 6 times 7? multiply")
    assert message.tool_calls == [
        {
            "name": "multiply",
            "args": {"a": 6, "b": 7},
            "id": message.tool_calls[0]["id"],
            "type": "tool_call",
        }
    ]
    (body,) = clean_bodies(emulator, mode)
    if mode == "native":
        assert [t["function"]["name"] for t in body["tools"]] == ["multiply", "get_weather"]
    else:
        assert TOOLS_HEADING in body["messages"][0]["content"]
        assert "get_weather" in body["messages"][0]["content"]


def test_tool_history_goes_native_or_as_text(emulator: KlusterEmulator, mode: str) -> None:
    history = [
        HumanMessage("6 times 7?"),
        AIMessage(
            "",
            tool_calls=[
                {"name": "multiply", "args": {"a": 6, "b": 7}, "id": "c1", "type": "tool_call"}
            ],
        ),
        ToolMessage("42", tool_call_id="c1"),
    ]
    answer = ChatKluster(model=MODES[mode]).bind_tools([multiply]).invoke(history)
    assert answer.content == 'The tool returned: "42".'
    (body,) = clean_bodies(emulator, mode)
    roles = [m["role"] for m in body["messages"]]
    if mode == "native":
        assert roles == ["user", "assistant", "tool"]
        assert body["messages"][1]["tool_calls"][0]["id"] == "c1"
    else:
        assert roles == ["system", "user", "assistant", "user"]
        assert "42" in body["messages"][3]["content"]


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("any", "required"),
        (True, "required"),
        ("required", "required"),
        ("auto", "auto"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
def test_tool_choice_on_the_wire(emulator: KlusterEmulator, choice: Any, wire: Any) -> None:
    message = (
        ChatKluster(model=TOOL_MODEL)
        .bind_tools([multiply, get_weather], tool_choice=choice)
        .invoke("hello")
    )
    assert message.tool_calls
    (body,) = clean_bodies(emulator, "native")
    assert body["tool_choice"] == wire


def test_tool_choice_in_the_prompt(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(model=TEXT_MODEL)
    named = llm.bind_tools([multiply, get_weather], tool_choice="get_weather").invoke("hi")
    assert named.tool_calls[0]["name"] == "get_weather"
    none = llm.bind_tools([multiply, get_weather], tool_choice="none").invoke("hi")
    assert none.tool_calls == []
    first, second = (b["messages"][0]["content"] for b in clean_bodies(emulator, "prompted"))
    assert "get_weather" in first and '"multiply"' not in first  # only the named tool
    assert TOOLS_HEADING not in second  # none: no tools in the prompt


def test_bad_tool_choice_and_mode_raise_before_sending(emulator: KlusterEmulator) -> None:
    with pytest.raises(InvalidToolError, match="tool_choice"):
        ChatKluster(model=TEXT_MODEL).bind_tools([multiply], tool_choice="divide")
    with pytest.raises(InvalidToolError, match="tool_choice"):
        ChatKluster(model=TOOL_MODEL).bind_tools([multiply], tool_choice={"type": "x"})
    with pytest.raises(InvalidToolError, match="'auto'"):
        ChatKluster(tool_calling="sometimes")
    assert emulator.chat_requests() == []


def test_prompted_mode_on_a_tool_model(emulator: KlusterEmulator) -> None:
    message = (
        ChatKluster(model=TOOL_MODEL, tool_calling="prompt")
        .bind_tools([multiply])
        .invoke("6 times 7")
    )
    assert message.tool_calls[0]["args"] == {"a": 6, "b": 7}
    clean_bodies(emulator, "prompted")


def test_streaming_gives_tool_call_chunks(emulator: KlusterEmulator, mode: str) -> None:
    if mode == "prompted":
        emulator.queue_replies(
            'Let me work that out. ```json\n{"tool_calls": [{"name": '
            '"multiply", "arguments": {"a": 6, "b": 7}}]}\n```'
        )
    chunks = list(ChatKluster(model=MODES[mode]).bind_tools([multiply]).stream("6 times 7"))
    assert any(c.tool_call_chunks for c in chunks)
    text = "".join(c.text for c in chunks)
    assert "tool_calls" not in text and "{" not in text
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert full.tool_calls[0]["name"] == "multiply"
    assert full.tool_calls[0]["args"] == {"a": 6, "b": 7}
    clean_bodies(emulator, mode)


async def test_async_streaming_text_flows_before_the_end(emulator: KlusterEmulator) -> None:
    emulator.queue_replies("Six times seven is forty-two, no tool needed.")
    pieces = [
        c.text
        async for c in ChatKluster(model=TEXT_MODEL).bind_tools([multiply]).astream("6 times 7")
    ]
    assert sum(1 for p in pieces if p) > 3  # word by word, not one block at the end
    assert "".join(pieces) == "Six times seven is forty-two, no tool needed."


def test_a_prompted_call_that_breaks_the_schema_is_an_invalid_tool_call(
    emulator: KlusterEmulator,
) -> None:
    emulator.queue_replies('{"tool_calls": [{"name": "multiply", "arguments": {"a": "six"}}]}')
    message = ChatKluster(model=TEXT_MODEL).bind_tools([multiply]).invoke("6 times 7")
    assert message.tool_calls == []
    (invalid,) = message.invalid_tool_calls
    assert invalid["name"] == "multiply" and "schema" in invalid["error"]
    assert json.loads(invalid["args"]) == {"a": "six"}


def test_streamed_unusable_calls_arrive_as_a_native_stream_carries_them(
    emulator: KlusterEmulator,
) -> None:
    llm = ChatKluster(model=TEXT_MODEL).bind_tools([multiply])
    emulator.queue_replies(
        '{"tool_calls": [{"name": "multiply", "arguments": [6, 7]}]}',
        '{"tool_calls": [{"name": "multiply", "arguments": {"a": "six"}}]}',
    )
    unreadable = sum(llm.stream("6 times 7"), AIMessageChunk(""))
    assert unreadable.tool_calls == []
    assert unreadable.invalid_tool_calls[0]["args"] == "[6, 7]"
    breaks_schema = sum(llm.stream("6 times 7"), AIMessageChunk(""))
    (call,) = breaks_schema.tool_calls  # the tool reports the error, as for a native call
    with pytest.raises(ValidationError, match="a"):
        multiply.invoke(call)
    assert executed == []


def test_required_tool_call_is_retried_once_then_a_typed_error(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(model=TEXT_MODEL).bind_tools([multiply], tool_choice="any")
    emulator.queue_replies("I would rather just answer: 42.")
    assert llm.invoke("6 times 7").tool_calls[0]["name"] == "multiply"  # emulator's 2nd try
    retry = emulator.chat_requests()[-1]["messages"]
    assert retry[-1]["role"] == "user" and retry[-1]["content"].startswith(CORRECTION)
    assert "'multiply'" in retry[-1]["content"]  # the reminder names the tool to call
    emulator.queue_replies("No.", "Still no.")
    with pytest.raises(ToolCallRequiredError, match="Still no"):
        llm.invoke("6 times 7")
    assert len(emulator.chat_requests()) == 4


def test_create_agent_runs_the_tool(emulator: KlusterEmulator, mode: str) -> None:
    agent = create_agent(ChatKluster(model=MODES[mode]), tools=[multiply])
    result = agent.invoke({"messages": [("user", "What is 6 times 7?")]})
    assert executed == [(6, 7)]
    assert result["messages"][-1].content == 'The tool returned: "42".'
    streamed = list(agent.stream({"messages": [("user", "3 times 4?")]}, stream_mode="updates"))
    assert {next(iter(update)) for update in streamed} == {"model", "tools"}
    for _ in range(2):  # two event loops, one after the other
        final = asyncio.run(agent.ainvoke({"messages": [("user", "2 times 5?")]}))
        assert final["messages"][-1].content == 'The tool returned: "10".'
    clean_bodies(emulator, mode)


def test_create_agent_structured_response_never_sends_response_format(
    emulator: KlusterEmulator, mode: str
) -> None:
    llm = ChatKluster(model=MODES[mode])
    assert llm.profile["structured_output"] is False and llm.profile["tool_calling"] is True
    agent = create_agent(llm, tools=[multiply], response_format=Person)
    result = agent.invoke({"messages": [("user", "Who is 'Ada', 36? Use Person")]})
    assert result["structured_response"] == Person(name="Ada", age=36)
    clean_bodies(emulator, mode)


class Weather(BaseModel):
    """The weather in a city."""

    city: str
    temperature: int


def test_create_agent_with_tools_and_a_structured_response(
    emulator: KlusterEmulator, mode: str
) -> None:
    agent = create_agent(
        ChatKluster(model=MODES[mode]), tools=[get_weather], response_format=Weather
    )
    result = agent.invoke({"messages": [("user", "Is it above 20 degrees in 'Paris'?")]})
    assert result["structured_response"] == Weather(city="Paris", temperature=20)
    assert [m.type for m in result["messages"]] == ["human", "ai", "tool", "ai", "tool"]
    first, second = clean_bodies(emulator, mode)  # the tool, then the structured answer
    if mode == "native":
        assert first["tool_choice"] == second["tool_choice"] == "required"
        assert second["messages"][-1]["role"] == "tool"
    else:
        assert "You MUST call a tool" in second["messages"][0]["content"]
        assert "Tool result from get_weather" in second["messages"][-1]["content"]


def test_langgraph_tool_node_and_tools_condition(emulator: KlusterEmulator, mode: str) -> None:
    llm = ChatKluster(model=MODES[mode]).bind_tools([multiply])

    def call_model(state: MessagesState) -> dict:
        return {"messages": [llm.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", call_model)
    graph.add_node("tools", ToolNode([multiply]))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    result = graph.compile().invoke({"messages": [("user", "6 times 7")]})
    assert [m.type for m in result["messages"]] == ["human", "ai", "tool", "ai"]
    assert executed == [(6, 7)]
    clean_bodies(emulator, mode)


def test_structured_output_by_function_calling(emulator: KlusterEmulator, mode: str) -> None:
    llm = ChatKluster(model=MODES[mode])
    result = llm.with_structured_output(Person, method="function_calling").invoke(
        "Who is 'Ada Lovelace', aged 36?"
    )
    assert result == Person(name="Ada Lovelace", age=36)
    (body,) = clean_bodies(emulator, mode)
    if mode == "native":
        assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}


def test_the_profile_follows_the_mode() -> None:
    assert ChatKluster(model=TEXT_MODEL, api_key="k").profile["tool_calling"] is True
    off = ChatKluster(model=TOOL_MODEL, api_key="k", tool_calling="off").profile
    assert off["tool_calling"] is False and off["structured_output"] is False
    assert ChatKluster(model="google/gemma-3-27b-it", api_key="k").profile["image_inputs"]


IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}


def test_images_go_to_vision_models_only(emulator: KlusterEmulator) -> None:
    message = HumanMessage(content=[{"type": "text", "text": "What is this?"}, IMAGE])
    with pytest.raises(ImageInputNotSupportedError, match="gemma-3-27b-it"):
        ChatKluster(model=TEXT_MODEL).invoke([message])
    assert emulator.chat_requests() == []
    assert ChatKluster(model="google/gemma-3-27b-it").invoke([message]).content
    (body,) = emulator.chat_requests()
    assert body["messages"][0]["content"][1]["type"] == "image_url"
