"""An explicit ``response_format`` read into the schema the answer must match, taken out of
the request into the prompt, and the reply checked against it (``core.tools``); the request
path plans it once for both adapters (``RequestPreparer.prepare_chat``)."""

from __future__ import annotations

import warnings

import pytest
from pydantic import BaseModel

from kluster_integrations.core.errors import (
    InvalidRequestError,
    ResponseFormatError,
    UnsupportedParameterError,
)
from kluster_integrations.core.request import ChatOptions, RequestPreparer
from kluster_integrations.core.tools import (
    SCHEMA_HEADING,
    AnswerSchema,
    answer_schema_of,
    find_schema,
    take_response_format,
)


class City(BaseModel):
    name: str
    population: int


SCHEMA = City.model_json_schema()
JSON_SCHEMA = {"type": "json_schema", "json_schema": {"name": "City", "schema": SCHEMA}}
TOOL = {
    "type": "function",
    "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
}


def request(**extra: object) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": "Lisbon?"}], **extra}


def test_each_kind_of_response_format_is_read() -> None:
    assert answer_schema_of(JSON_SCHEMA) == AnswerSchema("City", SCHEMA)
    assert answer_schema_of(City) == AnswerSchema("City", SCHEMA, City)
    assert answer_schema_of({"type": "json_object"}) == AnswerSchema("json_object")
    assert answer_schema_of({"type": "text"}) is None
    for bad in ({"type": "xml"}, {"json_schema": {}}, "json", {"type": "json_schema"}):
        with pytest.raises(InvalidRequestError, match="response_format"):
            answer_schema_of(bad)
    with pytest.raises(InvalidRequestError, match="'Bad'"):
        answer_schema_of({"type": "json_schema", "json_schema": {"name": "Bad", "schema": []}})


def test_the_reply_is_checked_and_given_back_as_bare_json() -> None:
    city = AnswerSchema("City", SCHEMA)
    text = 'Here you go:\n```json\n{"name": "Lisbon", "population": 545000}\n```\nEnjoy.'
    assert city.read(text) == ('{"name": "Lisbon", "population": 545000}', None)
    assert AnswerSchema("City", SCHEMA, City).read(text)[1] == City(
        name="Lisbon", population=545000
    )
    with pytest.raises(ResponseFormatError, match=r"'City'.*population") as caught:
        city.read('{"name": "Lisbon"}')
    assert caught.value.schema_name == "City" and caught.value.text == '{"name": "Lisbon"}'
    with pytest.raises(ResponseFormatError, match="no JSON object"):
        AnswerSchema("json_object").read("No JSON here.")
    with pytest.raises(ResponseFormatError, match="object"):
        AnswerSchema("json_object").read("[1, 2]")


def test_it_is_taken_out_of_the_request_top_level_or_extra_body() -> None:
    out, answer = take_response_format(request(response_format=JSON_SCHEMA, temperature=0))
    assert answer == AnswerSchema("City", SCHEMA) and out == request(temperature=0)
    out, answer = take_response_format(request(extra_body={"response_format": City, "top_k": 5}))
    assert answer is not None and answer.model is City and out["extra_body"] == {"top_k": 5}
    text = request(response_format={"type": "text"})
    assert take_response_format(text) == (text, None)  # the sanitizer drops it silently


def test_prepare_chat_plans_it_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepared = RequestPreparer().prepare_chat(
            request(response_format=JSON_SCHEMA, stream=True), user_chosen={"response_format"}
        )
    assert prepared.answer_schema == AnswerSchema("City", SCHEMA)
    assert "response_format" not in prepared.body and prepared.read_whole
    system, user = prepared.body["messages"]
    assert system["role"] == "system" and find_schema(system["content"]) == SCHEMA
    assert user == {"role": "user", "content": "Lisbon?"}


def test_strict_mode_refuses_the_one_the_user_set() -> None:
    strict = ChatOptions(strict=True)
    with pytest.raises(UnsupportedParameterError, match="response_format"):
        RequestPreparer().prepare_chat(
            request(response_format=JSON_SCHEMA), user_chosen={"response_format"}, options=strict
        )
    injected = RequestPreparer().prepare_chat(request(response_format=JSON_SCHEMA), options=strict)
    assert injected.answer_schema is not None  # put in by a framework: emulated
    plain = RequestPreparer().prepare_chat(
        request(response_format={"type": "text"}), user_chosen={"response_format"}, options=strict
    )
    assert plain.answer_schema is None and "response_format" not in plain.body


def test_with_prompted_tools_the_answer_is_json_not_a_bare_call() -> None:
    prepared = RequestPreparer().prepare_chat(
        request(
            model="mistralai/Mistral-Nemo-Instruct-2407",
            tools=[TOOL],
            **{"response_format": {"type": "json_object"}},
        )
    )
    system = prepared.body["messages"][0]["content"]
    assert system.index("Tools you can call") < system.index(SCHEMA_HEADING)
    assert "plain text" not in system and "JSON value described below" in system
    plan = prepared.tools
    assert plan is not None and plan.json_answer
    assert plan.parse('{"name": "lookup", "arguments": {}}').calls == ()  # the answer
    assert plan.parse('{"tool_calls": [{"name": "lookup", "arguments": {}}]}').calls
