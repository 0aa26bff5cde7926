"""An explicit ``response_format`` on ChatKluster is emulated, never sent and never dropped:
the schema goes into the system prompt, the reply is checked against it and handed back as
bare JSON, through ``bind``, ``model_kwargs``, a call, and LangChain's ``ProviderStrategy``;
strict mode still refuses one the user set."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ProviderStrategy
from langchain_core.messages import AIMessageChunk
from langchain_core.tools import tool
from pydantic import BaseModel

from kluster_integrations.core.errors import (
    InvalidRequestError,
    ResponseFormatError,
    UnsupportedParameterError,
    UnsupportedParameterWarning,
)
from kluster_integrations.core.tools import SCHEMA_HEADING, TOOLS_HEADING, find_schema
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster

TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
MODES = {"native": TOOL_MODEL, "prompted": TEXT_MODEL}


class Weather(BaseModel):
    """The weather in a city."""

    city: str
    temperature: int


WEATHER_SCHEMA = Weather.model_json_schema()
JSON_SCHEMA = {"type": "json_schema", "json_schema": {"name": "Weather", "schema": WEATHER_SCHEMA}}


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"21 degrees in {city}"


@pytest.fixture(params=list(MODES))
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(autouse=True)
def _no_parameter_dropped() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsupportedParameterWarning)
        yield


def emulated(emulator: KlusterEmulator) -> list[dict[str, Any]]:
    """The bodies sent: each one the contract accepts, none with ``response_format``, each
    with the schema in its system message."""
    bodies = emulator.chat_requests()
    assert bodies
    for body in bodies:
        assert contract_violations(body) == [], body
        assert "response_format" not in body and "response_format" not in body.get("extra_body", {})
        system = body["messages"][0]
        assert system["role"] == "system" and SCHEMA_HEADING in system["content"]
    return bodies


def test_provider_strategy_agent_with_tools(emulator: KlusterEmulator, mode: str) -> None:
    agent = create_agent(
        ChatKluster(model=MODES[mode]),
        tools=[get_weather],
        response_format=ProviderStrategy(Weather),
    )
    result = agent.invoke({"messages": [("user", "How warm is it in 'Paris'?")]})
    assert isinstance(result["structured_response"], Weather)
    assert [m.type for m in result["messages"]] == ["human", "ai", "tool", "ai"]
    assert json.loads(result["messages"][-1].content) == result["structured_response"].model_dump()
    first, second = emulated(emulator)
    assert find_schema(second["messages"][0]["content"])["properties"].keys() == {
        "city",
        "temperature",
    }
    if mode == "prompted":  # the tools rule asks for the JSON answer, not plain text
        assert TOOLS_HEADING in first["messages"][0]["content"]
        assert "JSON value described below" in first["messages"][0]["content"]
    else:
        assert [t["function"]["name"] for t in first["tools"]] == ["get_weather"]


def test_provider_strategy_agent_without_tools(emulator: KlusterEmulator) -> None:
    agent = create_agent(ChatKluster(), tools=[], response_format=ProviderStrategy(Weather))
    emulator.queue_replies('Here it is:\n```json\n{"city": "Oslo", "temperature": -3}\n```')
    result = agent.invoke({"messages": [("user", "Weather in Oslo?")]})
    assert result["structured_response"] == Weather(city="Oslo", temperature=-3)
    assert result["messages"][-1].content == '{"city": "Oslo", "temperature": -3}'
    emulated(emulator)


@pytest.mark.parametrize("source", ["bind", "model_kwargs", "call", "extra_body"])
def test_every_way_of_setting_it(emulator: KlusterEmulator, source: str) -> None:
    emulator.queue_replies('Sure! {"city": "Lima", "temperature": 19} Anything else?')
    llm = ChatKluster(
        model_kwargs={"response_format": JSON_SCHEMA} if source == "model_kwargs" else {}
    )
    if source == "bind":
        message = llm.bind(response_format=JSON_SCHEMA).invoke("Weather in Lima?")
    elif source == "call":
        message = llm.invoke("Weather in Lima?", response_format=JSON_SCHEMA)
    elif source == "extra_body":
        message = llm.invoke("Weather in Lima?", extra_body={"response_format": JSON_SCHEMA})
    else:
        message = llm.invoke("Weather in Lima?")
    assert message.content == '{"city": "Lima", "temperature": 19}'
    (body,) = emulated(emulator)
    assert find_schema(body["messages"][0]["content"]) == WEATHER_SCHEMA


def test_a_pydantic_class_gives_the_parsed_object_as_chatopenai_does(
    emulator: KlusterEmulator,
) -> None:
    message = ChatKluster().bind(response_format=Weather).invoke("Weather?")
    assert message.additional_kwargs["parsed"] == Weather.model_validate_json(message.content)
    emulated(emulator)


def test_json_object_mode_and_a_system_message_of_ones_own(emulator: KlusterEmulator) -> None:
    emulator.queue_replies('The answer: {"ok": true}')
    message = ChatKluster().invoke(
        [("system", "Be brief."), ("user", "Say ok in JSON.")],
        response_format={"type": "json_object"},
    )
    assert message.content == '{"ok": true}'
    (body,) = emulated(emulator)
    assert body["messages"][0]["content"].startswith("Be brief.\n\n")
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def test_a_reply_that_does_not_match_raises_naming_the_schema(emulator: KlusterEmulator) -> None:
    llm = ChatKluster().bind(response_format=JSON_SCHEMA)
    emulator.queue_replies('{"city": "Lima"}', "It is warm.")
    with pytest.raises(ResponseFormatError, match=r"'Weather'.*temperature") as missing:
        llm.invoke("Weather in Lima?")
    assert missing.value.schema_name == "Weather" and missing.value.text == '{"city": "Lima"}'
    with pytest.raises(ResponseFormatError, match="no JSON object"):
        llm.invoke("Weather in Lima?")
    emulator.queue_replies('{"city": "Lima", "temperature": "warm"}')
    with pytest.raises(ResponseFormatError, match="temperature"):
        ChatKluster().bind(response_format=Weather).invoke("Weather in Lima?")


async def test_streamed_the_json_arrives_checked(emulator: KlusterEmulator) -> None:
    llm = ChatKluster().bind(response_format=JSON_SCHEMA)
    emulator.queue_replies('Sure: {"city": "Rome", "temperature": 30}', '{"city": 1}')
    whole = sum(llm.stream("Weather in Rome?"), AIMessageChunk(""))
    assert whole.content == '{"city": "Rome", "temperature": 30}'
    with pytest.raises(ResponseFormatError, match="Weather"):
        [chunk async for chunk in llm.astream("Weather in Rome?")]
    emulated(emulator)


def test_strict_mode_still_refuses_a_response_format_the_user_set(
    emulator: KlusterEmulator,
) -> None:
    strict = ChatKluster(strict_parameters=True)
    with pytest.raises(UnsupportedParameterError, match="response_format"):
        strict.invoke("hi", response_format=JSON_SCHEMA)
    agent = create_agent(strict, tools=[], response_format=ProviderStrategy(Weather))
    with pytest.raises(UnsupportedParameterError, match="response_format"):
        agent.invoke({"messages": [("user", "hi")]})
    with pytest.raises(UnsupportedParameterError, match="response_format"):
        ChatKluster(strict_parameters=True, model_kwargs={"response_format": JSON_SCHEMA})
    assert strict.invoke("hi", response_format={"type": "text"}).content  # asks for nothing
    assert len(emulator.chat_requests()) == 1


def test_an_unknown_format_raises_before_sending(emulator: KlusterEmulator) -> None:
    with pytest.raises(InvalidRequestError, match="response_format"):
        ChatKluster().invoke("hi", response_format={"type": "xml"})
    broken = {"type": "json_schema", "json_schema": {"name": "B", "schema": {"type": 5}}}
    with pytest.raises(InvalidRequestError, match="'B'"):
        ChatKluster().invoke("hi", response_format=broken)
    assert emulator.chat_requests() == []
