"""An explicit ``response_format`` on KlusterLLM (per call or in ``additional_kwargs``) is
emulated, never sent and never dropped: the schema goes into the system prompt, the reply is
checked against it and handed back as bare JSON; strict mode still refuses it."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.llms import ChatMessage
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from kluster_integrations.core.errors import (
    ResponseFormatError,
    UnsupportedParameterError,
    UnsupportedParameterWarning,
)
from kluster_integrations.core.tools import SCHEMA_HEADING, find_schema
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM

from .conftest import assert_contract_kept

TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"


class Weather(BaseModel):
    """The weather in a city."""

    city: str
    temperature: int


JSON_SCHEMA = {
    "type": "json_schema",
    "json_schema": {"name": "Weather", "schema": Weather.model_json_schema()},
}
ASK = [ChatMessage(role="user", content="Weather in Lima?")]


@pytest.fixture(autouse=True)
def _no_parameter_dropped() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsupportedParameterWarning)
        yield


def emulated(emulator: KlusterEmulator) -> list[dict[str, Any]]:
    assert_contract_kept(emulator)
    bodies = emulator.chat_requests()
    for body in bodies:
        assert "response_format" not in body
        assert SCHEMA_HEADING in body["messages"][0]["content"]
    return bodies


async def test_per_call_in_every_form(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(max_retries=0)
    reply = 'Sure! ```json\n{"city": "Lima", "temperature": 19}\n```'
    kluster_env.queue_replies(reply, reply, reply, reply)
    expected = '{"city": "Lima", "temperature": 19}'
    assert llm.chat(ASK, response_format=JSON_SCHEMA).message.content == expected
    assert (await llm.achat(ASK, response_format=JSON_SCHEMA)).message.content == expected
    assert "".join(r.delta or "" for r in llm.stream_chat(ASK, response_format=JSON_SCHEMA)) == (
        expected
    )
    streamed = await llm.astream_chat(ASK, response_format=JSON_SCHEMA)
    assert [r.message.content async for r in streamed][-1] == expected
    for body in emulated(kluster_env):
        assert find_schema(body["messages"][0]["content"]) == Weather.model_json_schema()


def test_additional_kwargs_and_json_object_mode(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(additional_kwargs={"response_format": {"type": "json_object"}})
    kluster_env.queue_replies('Here: {"ok": true} Done.')
    assert llm.complete("Say ok in JSON.").text == '{"ok": true}'
    (body,) = emulated(kluster_env)
    assert find_schema(body["messages"][0]["content"]) == {"type": "object"}


def test_a_reply_that_does_not_match_raises_naming_the_schema(
    kluster_env: KlusterEmulator,
) -> None:
    llm = KlusterLLM(max_retries=0)
    kluster_env.queue_replies('{"city": "Lima", "temperature": "warm"}')
    with pytest.raises(ResponseFormatError, match=r"'Weather'.*temperature") as caught:
        llm.chat(ASK, response_format=JSON_SCHEMA)
    assert caught.value.text == '{"city": "Lima", "temperature": "warm"}'


def test_a_tool_call_is_not_the_answer(kluster_env: KlusterEmulator) -> None:
    def weather_for(city: str) -> str:
        """The weather in a city."""
        return f"21 degrees in {city}"

    llm = KlusterLLM(model=TEXT_MODEL, max_retries=0)
    tool = FunctionTool.from_defaults(weather_for)
    response = llm.chat_with_tools([tool], user_msg="'Lima'?", response_format=JSON_SCHEMA)
    (selection,) = llm.get_tool_calls_from_response(response)
    assert (selection.tool_name, selection.tool_kwargs) == ("weather_for", {"city": "Lima"})
    history = [
        *ASK,
        response.message,
        ChatMessage(
            role="tool",
            content="21",
            additional_kwargs={"tool_call_id": selection.tool_id, "name": "weather_for"},
        ),
    ]
    final = llm.chat_with_tools([tool], chat_history=history, response_format=JSON_SCHEMA)
    assert Weather.model_validate(json.loads(final.message.content))
    emulated(kluster_env)


def test_strict_mode_still_refuses_it(kluster_env: KlusterEmulator) -> None:
    with pytest.raises(UnsupportedParameterError, match="response_format"):
        KlusterLLM(strict_parameters=True).chat(ASK, response_format=JSON_SCHEMA)
    with pytest.raises(UnsupportedParameterError, match="response_format"):
        KlusterLLM(strict_parameters=True, additional_kwargs={"response_format": JSON_SCHEMA})
    assert kluster_env.chat_requests() == []
