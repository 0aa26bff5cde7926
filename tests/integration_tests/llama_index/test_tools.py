"""KlusterLLM as a function-calling LLM: native on a tool model, prompted on a text-only model
(chat_with_tools and its stream/async forms, predict_and_call, FunctionAgent, AgentWorkflow,
FunctionCallingProgram, PydanticSingleSelector), checked on the wire."""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core.agent.workflow import AgentStream, AgentWorkflow, FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, TextBlock
from llama_index.core.program.function_program import FunctionCallingProgram
from llama_index.core.prompts import PromptTemplate
from llama_index.core.selectors import PydanticSingleSelector
from llama_index.core.tools import FunctionTool, ToolMetadata
from pydantic import BaseModel

from kluster_integrations.core.errors import ImageInputNotSupportedError, InvalidToolError
from kluster_integrations.core.tools import TOOLS_HEADING
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM

# The workflows package walks agent objects with inspect.getmembers, which touches
# pydantic's deprecated attributes; those warnings are LlamaIndex's, not the adapter's.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOOL_MODEL = "deepseek-ai/DeepSeek-V3-0324"
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
MODES = {"native": TOOL_MODEL, "prompted": TEXT_MODEL}
TOOL_KEYS = {"tools", "tool_choice", "parallel_tool_calls"}


class Song(BaseModel):
    """A song."""

    title: str
    length_seconds: int


@pytest.fixture(params=list(MODES))
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def tool_llm(kluster_env: KlusterEmulator, mode: str) -> KlusterLLM:
    return KlusterLLM(model=MODES[mode], max_retries=0)


@pytest.fixture
def multiply() -> tuple[FunctionTool, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []

    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        calls.append((a, b))
        return a * b

    return FunctionTool.from_defaults(multiply), calls


def clean_bodies(emulator: KlusterEmulator, mode: str) -> list[dict[str, Any]]:
    bodies = emulator.chat_requests()
    assert bodies
    for body in bodies:
        assert contract_violations(body) == [], body
        if mode == "prompted":
            assert not TOOL_KEYS & set(body)
            assert TOOLS_HEADING in body["messages"][0]["content"]
        else:
            assert body["tools"]
    return bodies


def test_it_is_a_function_calling_model(tool_llm: KlusterLLM) -> None:
    assert tool_llm.metadata.is_function_calling_model is True


async def test_chat_with_tools_in_every_form(
    tool_llm: KlusterLLM, kluster_env: KlusterEmulator, multiply: tuple, mode: str
) -> None:
    tool, _ = multiply
    expected = [("multiply", {"a": 6, "b": 7})]

    def selections(response: Any) -> list[tuple[str, dict]]:
        return [
            (s.tool_name, s.tool_kwargs) for s in tool_llm.get_tool_calls_from_response(response)
        ]

    assert selections(tool_llm.chat_with_tools([tool], user_msg="6 times 7?")) == expected
    assert selections(await tool_llm.achat_with_tools([tool], user_msg="6 times 7?")) == expected
    streamed = list(tool_llm.stream_chat_with_tools([tool], user_msg="6 times 7?"))
    assert selections(streamed[-1]) == expected
    astreamed = [
        r async for r in await tool_llm.astream_chat_with_tools([tool], user_msg="6 times 7?")
    ]
    assert selections(astreamed[-1]) == expected
    assert len(clean_bodies(kluster_env, mode)) == 4


async def test_predict_and_call(
    tool_llm: KlusterLLM, kluster_env: KlusterEmulator, multiply: tuple, mode: str
) -> None:
    tool, calls = multiply
    assert str(tool_llm.predict_and_call([tool], user_msg="What is 6 times 7?")) == "42"
    assert str(await tool_llm.apredict_and_call([tool], user_msg="2 times 3?")) == "6"
    assert calls == [(6, 7), (2, 3)]
    clean_bodies(kluster_env, mode)


async def test_function_agent_streams_and_calls_the_tool(
    tool_llm: KlusterLLM, kluster_env: KlusterEmulator, multiply: tuple, mode: str
) -> None:
    tool, calls = multiply
    agent = FunctionAgent(tools=[tool], llm=tool_llm)
    handler = agent.run(user_msg="What is 6 times 7?")
    deltas = [
        event.delta async for event in handler.stream_events() if isinstance(event, AgentStream)
    ]
    answer = await handler
    assert calls == [(6, 7)]
    assert str(answer) == 'The tool returned: "42".'
    assert "tool_calls" not in "".join(deltas)  # no envelope reaches the user as text
    bodies = clean_bodies(kluster_env, mode)
    assert len(bodies) == 2
    if mode == "native":
        assert [m["role"] for m in bodies[1]["messages"]][-2:] == ["assistant", "tool"]
    else:
        assert "Tool result from multiply" in bodies[1]["messages"][-1]["content"]


async def test_agent_workflow_picks_function_agent(
    tool_llm: KlusterLLM, kluster_env: KlusterEmulator, multiply: tuple, mode: str
) -> None:
    tool, calls = multiply
    workflow = AgentWorkflow.from_tools_or_functions([tool], llm=tool_llm)
    assert isinstance(workflow.agents[workflow.root_agent], FunctionAgent)
    assert str(await workflow.run(user_msg="What is 3 times 5?")) == 'The tool returned: "15".'
    assert calls == [(3, 5)]
    clean_bodies(kluster_env, mode)


def test_function_calling_program(
    tool_llm: KlusterLLM, kluster_env: KlusterEmulator, mode: str
) -> None:
    program = FunctionCallingProgram.from_defaults(
        output_cls=Song,
        llm=tool_llm,
        prompt=PromptTemplate("Make up a Song called {title} lasting {seconds} seconds."),
    )
    assert program(title="'Kluster Blues'", seconds=180) == Song(
        title="Kluster Blues", length_seconds=180
    )
    clean_bodies(kluster_env, mode)


def test_pydantic_single_selector(
    tool_llm: KlusterLLM, kluster_env: KlusterEmulator, mode: str
) -> None:
    selector = PydanticSingleSelector.from_defaults(llm=tool_llm)
    choices = [
        ToolMetadata(name="math", description="Arithmetic questions."),
        ToolMetadata(name="weather", description="Weather questions."),
    ]
    result = selector.select(choices, query="How warm is it?")
    # The emulator fills the prompt's first number (the "1" of its list) and quoted text.
    assert [(s.index, s.reason) for s in result.selections] == [(0, "How warm is it?")]
    clean_bodies(kluster_env, mode)


def test_a_prompted_call_with_bad_arguments_reaches_the_tool_as_native_would(
    kluster_env: KlusterEmulator, multiply: tuple
) -> None:
    tool, calls = multiply
    kluster_env.queue_replies('{"tool_calls": [{"name": "multiply", "arguments": {"a": 6}}]}')
    llm = KlusterLLM(model=TEXT_MODEL, max_retries=0)
    response = llm.chat_with_tools([tool], user_msg="6 times 7?")
    (selection,) = llm.get_tool_calls_from_response(response)
    assert selection.tool_kwargs == {"a": 6}  # the tool reports the missing argument
    assert calls == []


def test_bad_tool_calling_and_tool_choice_raise_before_sending(
    kluster_env: KlusterEmulator, multiply: tuple
) -> None:
    tool, _ = multiply
    with pytest.raises(InvalidToolError, match="tool_calling"):
        KlusterLLM(tool_calling="always")
    with pytest.raises(InvalidToolError, match="tool_choice"):
        KlusterLLM(model=TEXT_MODEL).chat_with_tools([tool], user_msg="x", tool_choice="divide")
    assert kluster_env.chat_requests() == []


IMAGE = ImageBlock(url="data:image/png;base64,iVBORw0KGgo=", image_mimetype="image/png")


def test_images_go_to_vision_models_only(kluster_env: KlusterEmulator) -> None:
    message = ChatMessage(role="user", blocks=[TextBlock(text="What is this?"), IMAGE])
    with pytest.raises(ImageInputNotSupportedError, match="Llama-4-Scout"):
        KlusterLLM(model=TEXT_MODEL, max_retries=0).chat([message])
    assert kluster_env.chat_requests() == []
    vision = KlusterLLM(model="meta-llama/Llama-4-Scout-17B-16E-Instruct", max_retries=0)
    assert vision.chat([message]).message.content
    (body,) = kluster_env.chat_requests()
    assert [part["type"] for part in body["messages"][0]["content"]] == ["text", "image_url"]


def test_prompted_tools_keep_the_declared_parameter_order(kluster_env: KlusterEmulator) -> None:
    def handoff(to_agent: str, reason: str, urgent: bool = False) -> str:
        """Hand the task over to another agent."""
        return f"{to_agent}: {reason}"

    tool = FunctionTool.from_defaults(handoff)
    llm = KlusterLLM(model=TEXT_MODEL, max_retries=0)
    response = llm.chat_with_tools([tool], user_msg="Hand over to 'writer': 'report due'")
    (selection,) = llm.get_tool_calls_from_response(response)
    # the emulator fills quoted strings in the order the tool lists its parameters
    assert selection.tool_kwargs == {"to_agent": "writer", "reason": "report due", "urgent": False}
    (body,) = clean_bodies(kluster_env, "prompted")
    (line,) = [line for line in body["messages"][0]["content"].splitlines() if '"handoff"' in line]
    listed = json.loads(line)
    assert list(listed) == ["name", "description", "parameters"]
    assert list(listed["parameters"]["properties"]) == ["to_agent", "reason", "urgent"]
    assert listed["parameters"]["required"] == ["to_agent", "reason"]
