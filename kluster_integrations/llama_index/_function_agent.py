"""Turn FunctionAgent's bare ``ValueError`` into the typed error that names the fix.

``FunctionAgent.take_step`` reads ``llm.metadata.is_function_calling_model`` before anything
else and raises ``ValueError("LLM must be a FunctionCallingLLM")`` when it is False; the LLM
gets no other call first. So ``KlusterLLM.metadata`` checks whether its reader is that very
function (compared by code object, found once) and then raises
``ToolCallingNotSupportedError`` pointing to ``ReActAgent``. Every other reader of the
metadata pays one frame look-up and one identity comparison.
"""

from __future__ import annotations

import inspect
import sys
from functools import cache
from types import CodeType

from kluster_integrations.core.errors import ToolCallingNotSupportedError

USE_REACT_AGENT = (
    "Use llama_index.core.agent.workflow.ReActAgent, which calls tools through the prompt "
    "(ReActAgent(tools=[...], llm=KlusterLLM()))."
)


@cache
def _take_step_code() -> CodeType | None:
    try:
        from llama_index.core.agent.workflow import FunctionAgent
    except ImportError:  # pragma: no cover - depends on the installed llama-index-core
        return None
    return inspect.unwrap(FunctionAgent.take_step).__code__


def reject_function_agent() -> None:
    """Raise ``ToolCallingNotSupportedError`` when the caller's caller is
    ``FunctionAgent.take_step`` (call it from the ``metadata`` property)."""
    reader = sys._getframe(2)
    if reader.f_code is _take_step_code():
        raise ToolCallingNotSupportedError("FunctionAgent", USE_REACT_AGENT)
