"""A reasoning model with tools in the prompt, streamed, whose server sends the thinking in a
``reasoning_content`` field: the thinking reaches both frameworks as it does whole."""

from __future__ import annotations

from llama_index.core.tools import FunctionTool

from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain import ChatKluster
from kluster_integrations.llama_index import KlusterLLM

R1 = "deepseek-ai/DeepSeek-R1-0528"
QUESTION = "What is 6 times 7? Use multiply."


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def test_langchain_keeps_streamed_thinking_from_the_field(kluster_env: KlusterEmulator) -> None:
    kluster_env.state.settings.reasoning_field = "reasoning_content"
    llm = ChatKluster(model=R1, max_tokens=300).bind_tools([multiply])
    whole = llm.invoke(QUESTION).additional_kwargs.get("reasoning_content")
    chunks = list(llm.stream(QUESTION))
    streamed = sum(chunks[1:], chunks[0]).additional_kwargs.get("reasoning_content")
    assert whole and streamed == whole


def test_llama_index_keeps_streamed_thinking_from_the_field(kluster_env: KlusterEmulator) -> None:
    kluster_env.state.settings.reasoning_field = "reasoning_content"
    llm = KlusterLLM(model=R1, max_tokens=300)
    tools = [FunctionTool.from_defaults(multiply)]
    whole = llm.chat_with_tools(tools, user_msg=QUESTION).additional_kwargs["reasoning_content"]
    responses = list(llm.stream_chat_with_tools(tools, user_msg=QUESTION))
    streamed = "".join(r.additional_kwargs.get("thinking_delta", "") for r in responses)
    assert whole and streamed == whole
