"""Tool calling for ``ChatKluster``: the model profile and invalid calls.

``ChatKluster`` builds requests exactly as ``ChatOpenAI`` does; ``core.tools`` decides
per request whether tools go native or into the prompt, and the answer path hands a
prompted reply back shaped like a native tool-call answer, so LangChain's own parsing
makes ``AIMessage.tool_calls`` / ``tool_call_chunks`` from it. In a whole answer,
calls the prompt parser could not use become ``invalid_tool_calls``; in a stream they arrive
as tool-call chunks, as native streamed calls do (LangChain rebuilds ``invalid_tool_calls``
from the chunks: unreadable arguments land there, arguments that break the schema are
reported by the tool, e.g. by LangGraph's ``ToolNode``).

Example::

    llm = ChatKluster(model="mistralai/Mistral-Nemo-Instruct-2407")      # prompted tools
    llm.bind_tools([multiply]).invoke("What is 6 times 7?").tool_calls
    # [{'name': 'multiply', 'args': {'a': 6, 'b': 7}, 'id': 'call_...', 'type': 'tool_call'}]
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage
from langchain_core.messages.tool import invalid_tool_call

from kluster_integrations.core.contract import FALLBACK_CONTEXT_WINDOW, FALLBACK_MAX_OUTPUT
from kluster_integrations.core.errors import ToolCallingNotSupportedError
from kluster_integrations.core.models import current_catalog
from kluster_integrations.core.tools import ParsedCall, ToolCallingMode

TOOLS_OFF_ALTERNATIVE = (
    "Tool calling is switched off on this model object (tool_calling='off'). Use "
    "tool_calling='auto' (the default: native on kluster.ai's tool models, tools described in "
    "the prompt elsewhere) or tool_calling='prompt'."
)


def tools_off_error(where: str) -> ToolCallingNotSupportedError:
    """The error ``bind_tools`` raises with ``tool_calling="off"``."""
    return ToolCallingNotSupportedError(where, TOOLS_OFF_ALTERNATIVE)


def kluster_profile(model_id: str, mode: ToolCallingMode) -> ModelProfile:
    """The langchain-core model profile of a kluster.ai model under ``mode``.

    ``structured_output`` is False because kluster.ai has no JSON mode: so
    ``create_agent(response_format=Model)`` picks ``ToolStrategy`` (the answer is a tool
    call, native or prompted, whose arguments are checked). An explicit
    ``ProviderStrategy(Model)`` works too: its ``response_format`` is emulated (the schema
    in the prompt, the reply checked), never sent.
    """
    info = current_catalog().get(model_id)
    caps = info.capabilities if info else frozenset()
    vision = "vision" in caps
    tools = mode != "off"
    return ModelProfile(
        max_input_tokens=info.context_window if info else FALLBACK_CONTEXT_WINDOW,
        max_output_tokens=info.max_output_tokens if info else FALLBACK_MAX_OUTPUT,
        text_inputs=True,
        text_outputs=True,
        image_inputs=vision,
        image_url_inputs=vision,
        pdf_inputs=False,
        audio_inputs=False,
        video_inputs=False,
        image_tool_message=False,
        pdf_tool_message=False,
        image_outputs=False,
        audio_outputs=False,
        video_outputs=False,
        reasoning_output="reasoning" in caps,
        tool_calling=tools,
        tool_choice=tools,
        tool_call_streaming=tools,
        structured_output=False,
    )


def add_invalid_calls(message: AIMessage, calls: Sequence[ParsedCall]) -> None:
    """The prompted calls the parser could not use, as ``message.invalid_tool_calls``."""
    if calls:
        message.invalid_tool_calls = [
            *message.invalid_tool_calls,
            *(
                invalid_tool_call(name=c.name, args=c.raw_arguments, id=c.id, error=c.error)
                for c in calls
            ),
        ]
