"""Turn FunctionAgent's bare ``ValueError`` into the typed error that names the fix.

``FunctionAgent.take_step`` reads ``llm.metadata.is_function_calling_model`` before anything
else and raises ``ValueError("LLM must be a FunctionCallingLLM")`` when it is False; the LLM
gets no other call first. So ``KlusterLLM.metadata`` asks this module whether that step is
the reader, and if so raises ``ToolCallingNotSupportedError`` pointing to ``ReActAgent``.
Every other reader of the metadata is unaffected.
"""

from __future__ import annotations

import inspect

from kluster_integrations.core.errors import ToolCallingNotSupportedError

USE_REACT_AGENT = (
    "Use llama_index.core.agent.workflow.ReActAgent, which calls tools through the prompt "
    "(ReActAgent(tools=[...], llm=KlusterLLM()))."
)


def reject_function_agent() -> None:
    """Raise ``ToolCallingNotSupportedError`` when the caller's caller is
    ``FunctionAgent.take_step`` (call it from the ``metadata`` property)."""
    frame = inspect.currentframe()
    try:
        reader = frame.f_back.f_back if frame and frame.f_back else None
        if reader is None or reader.f_code.co_name != "take_step":
            return
        from llama_index.core.agent.workflow import FunctionAgent

        if isinstance(reader.f_locals.get("self"), FunctionAgent):
            raise ToolCallingNotSupportedError("FunctionAgent", USE_REACT_AGENT)
    finally:
        del frame
