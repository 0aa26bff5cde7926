"""Tool calling for ``KlusterLLM``: what it raises when tool calling is switched off.

Everything else is LlamaIndex's own ``OpenAI`` function calling: ``KlusterLLM`` builds the
request with ``tools`` as the stock class does; the core request path sends them native on
tool models or describes them in the prompt, and the answer path hands back native-looking
tool calls.
So ``chat_with_tools``, ``get_tool_calls_from_response``, ``predict_and_call``,
``FunctionAgent``, ``AgentWorkflow``, ``FunctionCallingProgram`` and
``PydanticSingleSelector`` work unchanged.

Example::

    llm = KlusterLLM(model="mistralai/Mistral-Nemo-Instruct-2407")    # prompted tools
    agent = FunctionAgent(tools=[multiply], llm=llm)
    await agent.run("What is 6 times 7?")
"""

from __future__ import annotations

from kluster_integrations.core.errors import ToolCallingNotSupportedError

TOOLS_OFF_ALTERNATIVE = (
    "Tool calling is switched off on this LLM (tool_calling='off'). Use tool_calling='auto' "
    "(the default: native on kluster.ai's tool models, tools described in the prompt "
    "elsewhere), tool_calling='prompt', or llama_index.core.agent.workflow.ReActAgent."
)


def tools_off_error(where: str) -> ToolCallingNotSupportedError:
    """The error tool calls raise with ``tool_calling="off"``."""
    return ToolCallingNotSupportedError(where, TOOLS_OFF_ALTERNATIVE)
