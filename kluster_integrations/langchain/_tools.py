"""Tool calling for ``ChatKluster``: the client glue, the model profile and invalid calls.

``ChatKluster`` builds requests exactly as ``ChatOpenAI`` does; ``core.tools`` decides
per request whether tools go native or into the prompt. The openai clients ChatOpenAI
sends with are wrapped in ``PromptedToolsClient`` / ``AsyncPromptedToolsClient`` so a
prompted request comes back shaped like a native tool-call answer, and LangChain's own
parsing makes ``AIMessage.tool_calls`` / ``tool_call_chunks`` from it. In a whole answer,
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

from collections.abc import Mapping
from typing import Any

from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage
from langchain_core.messages.tool import invalid_tool_call
from langchain_core.outputs import ChatResult

from kluster_integrations.core.answer import ParsedRawResponse, aparsed_create, parsed_create
from kluster_integrations.core.contract import FALLBACK_CONTEXT_WINDOW, FALLBACK_MAX_OUTPUT
from kluster_integrations.core.errors import ToolCallingNotSupportedError
from kluster_integrations.core.models import current_catalog
from kluster_integrations.core.tools import PLAN_KEY, ToolCallingMode, asend, send
from kluster_integrations.core.transport import pydantic_extra

TOOLS_OFF_ALTERNATIVE = (
    "Tool calling is switched off on this model object (tool_calling='off'). Use "
    "tool_calling='auto' (the default: native on kluster.ai's tool models, tools described in "
    "the prompt elsewhere) or tool_calling='prompt'."
)


def tools_off_error(where: str) -> ToolCallingNotSupportedError:
    """The error ``bind_tools`` raises with ``tool_calling="off"``."""
    return ToolCallingNotSupportedError(where, TOOLS_OFF_ALTERNATIVE)


class _RawResponse:
    """What ``with_raw_response.create`` returns, for a prompted answer built locally."""

    headers: Mapping[str, str] = {}

    def __init__(self, parsed: Any) -> None:
        self._parsed = parsed

    def parse(self) -> Any:
        return self._parsed


class _RawCreate:
    def __init__(self, owner: PromptedToolsClient) -> None:
        self._owner = owner

    def create(self, **request: Any) -> Any:
        if _has_plan(request):
            return _RawResponse(self._owner.create(**request))
        return ParsedRawResponse(self._owner.inner.with_raw_response.create(**request), request)


class _AsyncRawCreate:
    def __init__(self, owner: AsyncPromptedToolsClient) -> None:
        self._owner = owner

    async def create(self, **request: Any) -> Any:
        if _has_plan(request):
            return _RawResponse(await self._owner.create(**request))
        raw = await self._owner.inner.with_raw_response.create(**request)
        return ParsedRawResponse(raw, request, is_async=True)


def _has_plan(request: Mapping[str, Any]) -> bool:
    return PLAN_KEY in request


class PromptedToolsClient:
    """``client.chat.completions`` that carries out a prompted-tools plan (sync)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.with_raw_response = _RawCreate(self)
        self._create = parsed_create(inner)

    def create(self, **request: Any) -> Any:
        return send(self._create, request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class AsyncPromptedToolsClient:
    """The async counterpart of ``PromptedToolsClient``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.with_raw_response = _AsyncRawCreate(self)
        self._create = aparsed_create(inner)

    async def create(self, **request: Any) -> Any:
        return await asend(self._create, request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def wrap_clients(model: Any) -> None:
    """Wrap ``model.client`` / ``model.async_client`` (once)."""
    if model.client is not None and not isinstance(model.client, PromptedToolsClient):
        model.client = PromptedToolsClient(model.client)
    if model.async_client is not None and not isinstance(
        model.async_client, AsyncPromptedToolsClient
    ):
        model.async_client = AsyncPromptedToolsClient(model.async_client)


def kluster_profile(model_id: str, mode: ToolCallingMode) -> ModelProfile:
    """The langchain-core model profile of a kluster.ai model under ``mode``.

    ``structured_output`` is False because kluster.ai has no ``response_format``: so
    ``create_agent`` uses ``ToolStrategy`` and never ``ProviderStrategy``.
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


def _invalid_calls(raw: Any) -> list[Any]:
    return [
        invalid_tool_call(
            name=c.get("name"), args=c.get("args"), id=c.get("id"), error=c.get("error")
        )
        for c in raw or ()
        if isinstance(c, Mapping)
    ]


def add_invalid_calls(result: ChatResult, response: Any) -> ChatResult:
    """Move the prompt parser's invalid calls (an extra field of the message) onto the
    ``AIMessage`` as ``invalid_tool_calls``."""
    choices = (
        response.get("choices")
        if isinstance(response, dict)
        else getattr(response, "choices", None)
    )
    if not choices:
        return result
    message = (
        choices[0].get("message")
        if isinstance(choices[0], dict)
        else getattr(choices[0], "message", None)
    )
    raw = (
        message.get("invalid_tool_calls")
        if isinstance(message, dict)
        else (pydantic_extra(message) or {}).get("invalid_tool_calls")
    )
    if not raw:
        return result
    for generation in result.generations:
        ai = generation.message
        if isinstance(ai, AIMessage):
            ai.invalid_tool_calls = [*ai.invalid_tool_calls, *_invalid_calls(raw)]
    return result
