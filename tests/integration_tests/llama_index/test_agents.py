"""Agents: ReActAgent works through the prompt; with tool_calling="off" tool calls fail
clearly (FunctionAgent and friends: test_tools.py)."""

from __future__ import annotations

import pytest
from llama_index.core.agent.workflow import ReActAgent
from llama_index.core.tools import FunctionTool

from kluster_integrations.core.errors import ToolCallingNotSupportedError
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM

from .conftest import assert_contract_kept, user_texts

# The workflows package walks agent objects with inspect.getmembers, which touches
# pydantic's deprecated attributes; those warnings are LlamaIndex's, not the adapter's.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ACTION = (
    "Thought: I need to use a tool to help me answer the question.\n"
    'Action: multiply\nAction Input: {"a": 6, "b": 7}'
)
FINAL = "Thought: I can answer without using any more tools.\nAnswer: 6 times 7 is 42."


@pytest.fixture
def multiply_tool() -> tuple[FunctionTool, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []

    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        calls.append((a, b))
        return a * b

    return FunctionTool.from_defaults(multiply), calls


@pytest.mark.parametrize("streaming", [True, False])
async def test_react_agent_calls_the_tool(
    llm: KlusterLLM, kluster_env: KlusterEmulator, multiply_tool: tuple, streaming: bool
) -> None:
    tool, calls = multiply_tool
    kluster_env.queue_replies(ACTION, FINAL)
    agent = ReActAgent(tools=[tool], llm=llm, streaming=streaming)
    response = await agent.run(user_msg="What is 6 times 7?")
    assert calls == [(6, 7)]
    assert str(response) == "6 times 7 is 42."
    first, second = kluster_env.chat_requests()
    assert "multiply" in user_texts(first)  # the tool is described in the prompt
    assert "Observation: 42" in user_texts(second)
    assert first["stream"] is streaming
    assert_contract_kept(kluster_env)


async def test_tool_calling_off_says_what_to_use(
    kluster_env: KlusterEmulator, multiply_tool: tuple
) -> None:
    llm = KlusterLLM(tool_calling="off", max_retries=0)
    tool, calls = multiply_tool
    with pytest.raises(ToolCallingNotSupportedError, match="ReActAgent"):
        llm.predict_and_call([tool], user_msg="What is 6 times 7?")
    with pytest.raises(ToolCallingNotSupportedError, match="ReActAgent"):
        await llm.apredict_and_call([tool], user_msg="What is 6 times 7?")
    with pytest.raises(ToolCallingNotSupportedError, match="tool_calling='auto'"):
        await llm.astream_chat_with_tools([tool], user_msg="What is 6 times 7?")
    assert calls == []
    assert kluster_env.chat_requests() == []
