"""Hostile replies to prompted tools (a text-only model), through both adapters over HTTP:
only a complete envelope becomes a call, envelope JSON never reaches the answer, no call
loses arguments, and big replies stream through and are read in one pass."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk
from langchain_core.tools import tool
from llama_index.core.tools import FunctionTool

from kluster_integrations.core.errors import InvalidToolCallError
from kluster_integrations.core.tools import TOOLS_HEADING
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
CUT_OFF = 'I will multiply. {"tool_calls": [{"name": "multiply", "arguments": {"a": 6'
NO_COMMA = '{"tool_calls": [{"name": "multiply" "arguments": {"a": 6, "b": 7}}]}'
BARE = 'Call it as {"name": "multiply", "a": 6} in your code.'


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def langchain_answer(streams: bool) -> Any:
    llm = ChatKluster(model=TEXT_MODEL, max_retries=0).bind_tools([tool(multiply)])
    if streams:
        return sum(llm.stream("6 times 7?"), AIMessageChunk(""))
    return llm.invoke("6 times 7?")


def sent_with_tools_in_the_prompt(emulator: KlusterEmulator) -> None:
    (body,) = emulator.chat_requests()
    assert TOOLS_HEADING in body["messages"][0]["content"] and "tools" not in body


@pytest.mark.parametrize("streams", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize(
    ("reply", "text"), [(CUT_OFF, "I will multiply. "), (NO_COMMA, "")], ids=["cut", "comma"]
)
def test_langchain_an_unreadable_envelope_is_an_invalid_call(
    kluster_env: KlusterEmulator, streams: bool, reply: str, text: str
) -> None:
    kluster_env.queue_replies(reply)
    message = langchain_answer(streams)
    assert message.content == text
    assert message.tool_calls == []
    (invalid,) = message.invalid_tool_calls
    assert invalid["name"] == "multiply"
    sent_with_tools_in_the_prompt(kluster_env)


@pytest.mark.parametrize("streams", [False, True], ids=["invoke", "stream"])
def test_langchain_a_bare_object_in_prose_is_text(
    kluster_env: KlusterEmulator, streams: bool
) -> None:
    kluster_env.queue_replies(BARE)
    message = langchain_answer(streams)
    assert message.content == BARE
    assert message.tool_calls == [] and message.invalid_tool_calls == []


def test_langchain_code_streams_while_tools_are_bound(kluster_env: KlusterEmulator) -> None:
    code = "Here it is:\n```c\n" + "int twice(int x) { return x * 2; }\n" * 200 + "```"
    kluster_env.queue_replies(code)
    llm = ChatKluster(model=TEXT_MODEL, max_retries=0).bind_tools([tool(multiply)])
    pieces = [chunk.text for chunk in llm.stream("Write C.")]
    assert "".join(pieces) == code
    assert sum(1 for piece in pieces if piece) > 1000  # word by word, as the emulator sent it


def test_langchain_invoke_reads_a_flood_of_brackets_in_one_pass(
    kluster_env: KlusterEmulator,
) -> None:
    # 100,000 "[" took about 40 s to parse before the reader was linear.
    flood = "[" * 100_000
    kluster_env.queue_replies(flood)
    message = langchain_answer(streams=False)
    assert message.content == flood and message.tool_calls == []


def llama_index_answer(streams: bool) -> Any:
    llm = KlusterLLM(model=TEXT_MODEL, max_retries=0)
    tools = [FunctionTool.from_defaults(multiply)]
    if streams:
        return list(llm.stream_chat_with_tools(tools, user_msg="6 times 7?"))[-1], llm
    return llm.chat_with_tools(tools, user_msg="6 times 7?"), llm


@pytest.mark.parametrize("streams", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("reply", [CUT_OFF, NO_COMMA], ids=["cut", "comma"])
def test_llama_index_an_unreadable_envelope_is_a_typed_error(
    kluster_env: KlusterEmulator, streams: bool, reply: str
) -> None:
    kluster_env.queue_replies(reply)
    with pytest.raises(InvalidToolCallError, match="'multiply' that cannot be read") as caught:
        llama_index_answer(streams)
    assert isinstance(caught.value, ValueError)
    assert caught.value.text.startswith('{"tool_calls"')
    sent_with_tools_in_the_prompt(kluster_env)


@pytest.mark.parametrize("streams", [False, True], ids=["chat", "stream"])
def test_llama_index_a_bare_object_in_prose_is_text(
    kluster_env: KlusterEmulator, streams: bool
) -> None:
    kluster_env.queue_replies(BARE)
    response, llm = llama_index_answer(streams)
    assert response.message.content == BARE
    assert llm.get_tool_calls_from_response(response, error_on_no_tool_call=False) == []
