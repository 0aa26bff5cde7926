"""The emulator's tool calling: native on tool models (400 elsewhere), streamed deltas, tool
results quoted, and the package's prompted protocol."""

from __future__ import annotations

import json

import openai
import pytest

from kluster_integrations.core.tools import ENVELOPE_KEY, ToolChoice, ToolSpec
from kluster_integrations.core.tools import tools_instruction as instruction
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator

TOOL_MODEL = "klusterai/Meta-Llama-3.1-8B-Instruct-Turbo"
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        },
    },
}
NAME = {
    "type": "function",
    "function": {
        "name": "set_name",
        "parameters": {"type": "object", "properties": {"name": {"type": "string"}}},
    },
}


@pytest.fixture
def client(kluster_emulator: KlusterEmulator) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=kluster_emulator.base_url, api_key=EMULATOR_API_KEY, max_retries=0
    )


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_a_tool_model_answers_with_the_mentioned_tool_and_the_users_values(client) -> None:
    response = client.chat.completions.create(
        model=TOOL_MODEL,
        messages=ask("Please set_name to 'Ada', then add 2 and 40"),
        tools=[ADD, NAME],
    )
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.function.name == "set_name"  # both named: the longer name wins
    assert json.loads(call.function.arguments) == {"name": "Ada"}
    first = client.chat.completions.create(
        model=TOOL_MODEL, messages=ask("add 2 and 40"), tools=[NAME, ADD]
    )
    assert json.loads(first.choices[0].message.tool_calls[0].function.arguments) == {
        "a": 2,
        "b": 40,
    }


def test_tool_choice_names_the_tool_and_none_means_text(client) -> None:
    named = client.chat.completions.create(
        model=TOOL_MODEL,
        messages=ask("hello"),
        tools=[ADD, NAME],
        tool_choice={"type": "function", "function": {"name": "set_name"}},
    )
    assert named.choices[0].message.tool_calls[0].function.name == "set_name"
    plain = client.chat.completions.create(
        model=TOOL_MODEL, messages=ask("hello"), tools=[ADD], tool_choice="none"
    )
    assert plain.choices[0].message.tool_calls is None
    assert plain.choices[0].message.content


def test_a_tool_result_gets_a_final_text_quoting_it(client) -> None:
    first = client.chat.completions.create(model=TOOL_MODEL, messages=ask("add 1 2"), tools=[ADD])
    call = first.choices[0].message.tool_calls[0]
    history = [
        *ask("add 1 2"),
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "3"},
    ]
    final = client.chat.completions.create(model=TOOL_MODEL, messages=history, tools=[ADD])
    assert final.choices[0].message.content == 'The tool returned: "3".'


def test_tool_calls_stream_as_deltas(client) -> None:
    chunks = list(
        client.chat.completions.create(
            model=TOOL_MODEL, messages=ask("add 4 5"), tools=[ADD], stream=True
        )
    )
    deltas = [d for c in chunks for d in (c.choices[0].delta.tool_calls or [])]
    assert deltas[0].id and deltas[0].function.name == "add"
    assert len(deltas) > 2  # the arguments arrive in pieces
    arguments = "".join(d.function.arguments or "" for d in deltas)
    assert json.loads(arguments) == {"a": 4, "b": 5}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_tools_and_tool_history_are_refused_on_a_text_only_model(client) -> None:
    with pytest.raises(openai.BadRequestError, match="tool models"):
        client.chat.completions.create(model=TEXT_MODEL, messages=ask("add 1 2"), tools=[ADD])
    with pytest.raises(openai.BadRequestError, match="tool"):
        client.chat.completions.create(
            model=TEXT_MODEL,
            messages=[*ask("x"), {"role": "tool", "tool_call_id": "c", "content": "1"}],
        )


def test_images_are_refused_on_a_text_only_model(client) -> None:
    image = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
            ],
        }
    ]
    with pytest.raises(openai.BadRequestError, match="vision"):
        client.chat.completions.create(model=TEXT_MODEL, messages=image)
    assert client.chat.completions.create(model="google/gemma-3-27b-it", messages=image)


def test_the_prompted_protocol_is_followed_on_any_model(client) -> None:
    specs = [ToolSpec.from_openai(ADD), ToolSpec.from_openai(NAME)]
    system = {"role": "system", "content": instruction(specs, ToolChoice("named", "add"))}
    response = client.chat.completions.create(
        model=TEXT_MODEL, messages=[system, *ask("sum 3 and 4")]
    )
    envelope = json.loads(response.choices[0].message.content)
    assert envelope == {ENVELOPE_KEY: [{"name": "add", "arguments": {"a": 3, "b": 4}}]}
    result = {"role": "user", "content": "Tool result from add (call c1): 7"}
    auto = {"role": "system", "content": instruction(specs)}  # a named tool is called again
    final = client.chat.completions.create(model=TEXT_MODEL, messages=[auto, result])
    assert final.choices[0].message.content == 'The tool returned: "7".'


def added(call_id: str = "c1") -> list[dict]:
    """A conversation in which ``add`` was called and answered (native history)."""
    call = {"id": call_id, "type": "function", "function": {"name": "add", "arguments": "{}"}}
    return [
        *ask("Call 'Ada' after adding 1 and 2"),
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call_id, "content": "3"},
    ]


def test_a_tool_model_honours_tool_choice_after_a_tool_result(client) -> None:
    def call_after_result(choice: object) -> tuple[str, dict]:
        response = client.chat.completions.create(
            model=TOOL_MODEL, messages=added(), tools=[ADD, NAME], tool_choice=choice
        )
        (call,) = response.choices[0].message.tool_calls
        return call.function.name, json.loads(call.function.arguments)

    # required: a tool not called yet since the question, its values from the question
    assert call_after_result("required") == ("set_name", {"name": "Ada"})
    named = {"type": "function", "function": {"name": "add"}}
    assert call_after_result(named) == ("add", {"a": 1, "b": 2})
    auto = client.chat.completions.create(model=TOOL_MODEL, messages=added(), tools=[ADD, NAME])
    assert auto.choices[0].message.content == 'The tool returned: "3".'


def test_prompted_replies_honour_tool_choice_after_a_tool_result(client) -> None:
    specs = [ToolSpec.from_openai(ADD), ToolSpec.from_openai(NAME)]
    history = [
        *ask("Call 'Ada' after adding 1 and 2"),
        {"role": "assistant", "content": 'Called tool add (call c1) with arguments: {"a": 1}'},
        {"role": "user", "content": "Tool result from add (call c1): 3"},
    ]

    def reply(choice: ToolChoice) -> str:
        system = {"role": "system", "content": instruction(specs, choice)}
        response = client.chat.completions.create(model=TEXT_MODEL, messages=[system, *history])
        return response.choices[0].message.content

    required = json.loads(reply(ToolChoice("required")))
    assert required == {ENVELOPE_KEY: [{"name": "set_name", "arguments": {"name": "Ada"}}]}
    named = json.loads(reply(ToolChoice("named", "add")))
    assert named == {ENVELOPE_KEY: [{"name": "add", "arguments": {"a": 1, "b": 2}}]}
    assert reply(ToolChoice("auto")) == 'The tool returned: "3".'
