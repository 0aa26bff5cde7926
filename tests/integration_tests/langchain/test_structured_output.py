"""with_structured_output on kluster.ai: the schema goes in the prompt, never in the request."""

from __future__ import annotations

import json
from typing import Annotated

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from kluster_integrations.core.errors import StructuredOutputError, ToolCallingNotSupportedError
from kluster_integrations.core.tools import SCHEMA_HEADING, TOOLS_HEADING
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster

TEXT_ONLY_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"


class Person(BaseModel):
    """A person."""

    name: str = Field(description="full name")
    age: int


class PersonDict(TypedDict):
    """A person."""

    name: Annotated[str, ..., "full name"]
    age: int


PERSON_SCHEMA = {
    "title": "Person",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}

SCHEMAS = {"pydantic": Person, "typeddict": PersonDict, "json_schema": PERSON_SCHEMA}


def assert_prompted_not_parameterised(
    emulator: KlusterEmulator, heading: str = SCHEMA_HEADING
) -> None:
    for body in emulator.chat_requests():
        assert contract_violations(body) == []
        assert not {"response_format", "tools", "tool_choice"} & set(body)
        assert body["messages"][0]["role"] == "system"
        assert heading in body["messages"][0]["content"]


def as_plain(value: object) -> dict:
    return value.model_dump() if isinstance(value, BaseModel) else dict(value)  # type: ignore


@pytest.mark.parametrize("kind", SCHEMAS)
@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_every_schema_kind_and_method(emulator: KlusterEmulator, kind: str, method: str) -> None:
    emulator.queue_replies({"name": "Ada", "age": 36})
    # function_calling goes through tools: prompted on a text-only model, where a bare JSON
    # reply for the one required tool counts as its call (native: test_tools_native.py).
    llm = ChatKluster(model=TEXT_ONLY_MODEL) if method == "function_calling" else ChatKluster()
    result = llm.with_structured_output(SCHEMAS[kind], method=method).invoke("Ada?")
    assert as_plain(result) == {"name": "Ada", "age": 36}
    assert isinstance(result, Person if kind == "pydantic" else dict)
    assert_prompted_not_parameterised(
        emulator, TOOLS_HEADING if method == "function_calling" else SCHEMA_HEADING
    )


@pytest.mark.parametrize(
    "reply",
    [
        '```json\n{"name": "Ada", "age": 36}\n```',
        'Sure! Here it is: {"name": "Ada", "age": 36} Hope that helps.',
        '<think>name first</think>{"name": "Ada", "age": 36}',
    ],
)
def test_fences_and_prose_are_tolerated(emulator: KlusterEmulator, reply: str) -> None:
    emulator.queue_replies(reply)
    assert ChatKluster().with_structured_output(Person).invoke("Ada?") == Person(name="Ada", age=36)


def test_the_emulator_answers_the_schema_it_was_given(emulator: KlusterEmulator) -> None:
    result = ChatKluster().with_structured_output(Person).invoke("Ada?")
    assert isinstance(result, Person)
    assert_prompted_not_parameterised(emulator)


def test_instruction_joins_an_existing_system_message(emulator: KlusterEmulator) -> None:
    ChatKluster().with_structured_output(Person).invoke(
        [SystemMessage("You are terse."), HumanMessage("Ada?")]
    )
    messages = emulator.chat_requests()[0]["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"].startswith("You are terse.")
    assert SCHEMA_HEADING in messages[0]["content"]


INVALID_REPLIES = [
    (kind, reply)
    for kind in SCHEMAS
    for reply in ("I'd rather not say.", '{"name": "Ada"}', "[1, 2]")
]
# JSON-schema dicts are checked for shape and required keys; models check types too.
INVALID_REPLIES += [
    ("pydantic", '{"name": "Ada", "age": "old"}'),
    ("typeddict", '{"name": "Ada", "age": "old"}'),
]


@pytest.mark.parametrize(("kind", "reply"), INVALID_REPLIES)
def test_invalid_output_raises_a_clear_error(
    emulator: KlusterEmulator, kind: str, reply: str
) -> None:
    emulator.queue_replies(reply)
    with pytest.raises(OutputParserException) as caught:
        ChatKluster().with_structured_output(SCHEMAS[kind]).invoke("Ada?")
    assert isinstance(caught.value, StructuredOutputError)
    assert caught.value.text == reply


def test_include_raw(emulator: KlusterEmulator) -> None:
    emulator.queue_replies({"name": "Ada", "age": 36}, "not json at all")
    chain = ChatKluster().with_structured_output(Person, include_raw=True)
    good = chain.invoke("Ada?")
    assert good["parsed"] == Person(name="Ada", age=36)
    assert good["parsing_error"] is None
    assert json.loads(good["raw"].content) == {"name": "Ada", "age": 36}
    bad = chain.invoke("Ada?")
    assert bad["parsed"] is None
    assert isinstance(bad["parsing_error"], StructuredOutputError)
    assert bad["raw"].content == "not json at all"


def test_streaming_dicts_grow_then_settle(emulator: KlusterEmulator) -> None:
    emulator.queue_replies({"name": "Ada Lovelace", "age": 36})
    chunks = list(ChatKluster().with_structured_output(PersonDict).stream("Ada?"))
    assert len(chunks) > 1
    assert chunks[-1] == {"name": "Ada Lovelace", "age": 36}
    assert_prompted_not_parameterised(emulator)


async def test_streaming_pydantic_yields_the_validated_object(emulator: KlusterEmulator) -> None:
    emulator.queue_replies({"name": "Ada", "age": 36})
    chunks = [c async for c in ChatKluster().with_structured_output(Person).astream("Ada?")]
    assert chunks == [Person(name="Ada", age=36)]


def test_streaming_invalid_output_raises(emulator: KlusterEmulator) -> None:
    emulator.queue_replies("no json here")
    with pytest.raises(StructuredOutputError):
        list(ChatKluster().with_structured_output(Person).stream("Ada?"))


def test_json_mode_without_schema(emulator: KlusterEmulator) -> None:
    emulator.queue_replies('{"anything": [1, 2]}')
    assert ChatKluster().with_structured_output(method="json_mode").invoke("?") == {
        "anything": [1, 2]
    }


def test_unusable_arguments_raise_before_sending(emulator: KlusterEmulator) -> None:
    llm = ChatKluster()
    with pytest.raises(ToolCallingNotSupportedError):
        ChatKluster(tool_calling="off").with_structured_output(Person, tools=[{"type": "x"}])
    with pytest.raises(ValueError, match="method"):
        llm.with_structured_output(Person, method="xml")
    with pytest.raises(ValueError, match="schema"):
        llm.with_structured_output(None)
    assert emulator.chat_requests() == []
