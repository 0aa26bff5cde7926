"""``ChatKluster``: LangChain's ``ChatOpenAI`` made to speak the kluster.ai contract.

``ChatOpenAI`` builds each request body; the core prepares it (``core.request``), sends it
and reads the answer (``core.answer``), once per direction; ``ChatOpenAI`` then makes the
LangChain result (``_results``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import LangSmithParams
from pydantic import Field, PrivateAttr

from kluster_integrations.core.answer import acomplete, astream, complete, stream
from kluster_integrations.core.contract import API_KEY_ENV, DEFAULT_CHAT_MODEL
from kluster_integrations.core.models import check_model
from kluster_integrations.core.reasoning import (
    ReasoningMode,
    check_reasoning_mode,
    resolve_reasoning_mode,
)
from kluster_integrations.core.request import (
    ChatOptions,
    PreparedRequest,
    RequestPreparer,
    refuse_unsupported,
)
from kluster_integrations.core.tools import ToolCallingMode, check_mode, normalize_tool_choice
from kluster_integrations.core.transport import private_values
from kluster_integrations.langchain._batch_api import BatchAPIMethods
from kluster_integrations.langchain._connection import chat_model_defaults
from kluster_integrations.langchain._errors import openai_errors
from kluster_integrations.langchain._estimates import EstimateMethods
from kluster_integrations.langchain._framework import chunk_timeout, input_messages
from kluster_integrations.langchain._rate_limits import RateLimitFields
from kluster_integrations.langchain._reasoning import history_with_reasoning
from kluster_integrations.langchain._results import (
    ChunkConverter,
    chat_result_of,
    completions_wanted,
    with_summed_cost,
)
from kluster_integrations.langchain._structured_output import (
    check_structured_arguments,
    prompted_structured_model,
)
from kluster_integrations.langchain._tools import kluster_profile, tools_off_error

__all__ = ["ChatKluster"]

#: Per-call keyword arguments that LangChain itself puts in, not the user.
_FRAMEWORK_KWARGS = frozenset({"stream"})


class ChatKluster(EstimateMethods, BatchAPIMethods, ChatOpenAI, RateLimitFields):
    """kluster.ai chat model integration: a `ChatOpenAI` that keeps the kluster.ai contract.

    Parameters kluster.ai refuses are removed before sending: those LangChain puts in
    silently, those you set (per call, `bind`, `model_kwargs`, `extra_body`, the
    constructor) with one `UnsupportedParameterWarning` each, or with
    `strict_parameters=True` an `UnsupportedParameterError` before anything is sent.
    `max_tokens` goes as `max_completion_tokens`, `n > 1` as n requests; structured output,
    `response_format` and tools go through the prompt where kluster.ai has no support for them.
    Each answer's USD is in `response_metadata["cost_usd"]` (docs/cost.md).

    Setup: `pip install -U "kluster-integrations[langchain]"`, then set `KLUSTER_API_KEY`
    (and optionally `KLUSTER_BASE_URL`; else `https://api.kluster.ai/v1`).

    Key init args: `model` (default `"klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"`;
    fine-tunes and ids the catalog lacks work, with a warning), `temperature`,
    `max_tokens`, `strict_parameters`, `tool_calling`, `reasoning`,
    `keep_reasoning_in_history`; client: `api_key`, `base_url`, `timeout` (300 s per
    attempt), `max_retries` (2), `deadline`, `stream_idle_timeout`, `max_response_bytes`;
    rate limits shared by the account: `requests_per_minute`, `max_concurrent_requests`,
    `tier` (docs/rate-limits.md).

    Example:
        ```python
        from pydantic import BaseModel

        from kluster_integrations.langchain import ChatKluster


        class Joke(BaseModel):
            setup: str
            punchline: str


        model = ChatKluster(model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", max_tokens=256)
        messages = [("system", "Translate to French."), ("human", "I love programming.")]
        model.invoke(messages).usage_metadata
        for chunk in model.stream(messages):
            print(chunk.text, end="")
        await model.ainvoke(messages)
        model.batch([messages, messages], config={"max_concurrency": 5})
        ChatKluster(tier="trial").batch(["Hi"] * 3)  # the account's limits: docs/rate-limits.md
        model.with_structured_output(Joke).invoke("Tell me a joke about cats")
        model.bind_tools([Joke]).invoke("Tell me a joke").tool_calls
        job = model.submit_batch([messages, "Translate: good night"])  # docs/batch.md
        job.wait()
        ChatKluster(model="deepseek-ai/DeepSeek-R1-0528").invoke("Is 91 prime?")
        ```
    """

    model_name: str = Field(default=DEFAULT_CHAT_MODEL, alias="model")
    """The kluster.ai model id (``ft:...`` fine-tunes and dedicated deployments work too)."""
    strict_parameters: bool = False
    """Raise ``UnsupportedParameterError`` instead of warning when you ask for a parameter
    kluster.ai refuses. (``strict`` is ChatOpenAI's flag for tool schemas.)"""
    reasoning: str | None = None  # type: ignore[assignment]
    """Where thinking goes: ``"separate"`` (``additional_kwargs["reasoning_content"]``),
    ``"inline"`` or ``"drop"``; unset: ``"separate"`` for reasoning models and unknown ids."""
    keep_reasoning_in_history: bool = False
    """Send earlier turns' thinking back to the model as ``<think>`` blocks."""
    tool_calling: ToolCallingMode = "auto"
    """``"auto"`` (native on tool models, in the prompt elsewhere), ``"native"``,
    ``"prompt"`` or ``"off"``."""
    deadline: float | None = None
    """Seconds a whole call may take, retries included (``None``: the contract's default)."""
    stream_idle_timeout: float | None = None
    """Seconds a stream may go without a data event (``None``: ``timeout``)."""
    max_response_bytes: int | None = None
    """Cap on an answer's decoded size (``None``: the contract's default)."""

    _preparer: RequestPreparer = PrivateAttr(default_factory=RequestPreparer)

    def __init__(self, **kwargs: Any) -> None:
        check_reasoning_mode(kwargs.get("reasoning"))
        check_mode(kwargs.get("tool_calling", "auto"))
        super().__init__(**chat_model_defaults(kwargs))
        check_model(self.model_name, purpose="chat", stacklevel=4)
        if self.strict_parameters:
            configured = {
                k: v
                for k, v in self._default_params.items()
                if k in self.model_fields_set or k in self.model_kwargs
            }
            refuse_unsupported({**configured, "extra_body": self.extra_body or {}})

    # --- identity, tracing and serialization ---
    @property
    def _llm_type(self) -> str:
        return "kluster-chat"

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"openai_api_key": API_KEY_ENV}

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """``["kluster_integrations", "langchain", "chat_models"]``, where the class lives."""
        return ["kluster_integrations", "langchain", "chat_models"]

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    def to_json(self) -> Any:
        serialized: Any = super().to_json()
        # ChatOpenAI's own lc_secrets (merged in after ours) name OPENAI_API_KEY.
        kwargs = serialized.get("kwargs", {}) if isinstance(serialized, dict) else {}
        for name in ("openai_api_key", "api_key"):
            secret = kwargs.get(name)
            if isinstance(secret, dict) and secret.get("type") == "secret":
                kwargs[name] = {**secret, "id": [API_KEY_ENV]}
        return serialized

    def _resolve_model_profile(self) -> ModelProfile | None:
        return kluster_profile(self.model_name, self.tool_calling)

    def _combine_llm_outputs(self, llm_outputs: list[dict | None]) -> dict:
        return with_summed_cost(super()._combine_llm_outputs(llm_outputs), llm_outputs)

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "kluster"
        return params

    # --- the request path: ChatOpenAI builds the body, the core prepares it ---
    def _use_responses_api(self, payload: dict) -> bool:
        return False  # kluster.ai serves chat completions only

    @property
    def _default_params(self) -> dict[str, Any]:
        params = super()._default_params
        if self.reasoning is not None:
            params.pop("reasoning", None)  # this class's option, not a request parameter
        return params

    @property
    def _reasoning_mode(self) -> ReasoningMode:
        return resolve_reasoning_mode(self.model_name, self.reasoning)

    def _prepare(
        self, input_: LanguageModelInput, stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> PreparedRequest:
        """The request ``ChatOpenAI`` would send for ``input_``, as kluster.ai takes it."""
        if self.keep_reasoning_in_history:
            input_ = history_with_reasoning(input_messages(self, input_))
        body = super()._get_request_payload(input_, stop=stop, **kwargs)
        # pydantic finds a private attribute only after a failed lookup (core/transport/_sdk.py)
        preparer = cast(RequestPreparer, private_values(self)["_preparer"])
        options = ChatOptions(
            self.tool_calling,
            self.reasoning,
            self.keep_reasoning_in_history,
            self.strict_parameters,
        )
        return preparer.prepare_chat(body, user_chosen=self._user_chosen(kwargs), options=options)

    def _get_request_payload(
        self, input_: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict:
        return self._prepare(input_, stop, kwargs).body

    def _user_chosen(self, call_kwargs: Mapping[str, Any]) -> set[str]:
        """Parameter names the user chose (call, bind, model_kwargs, extra_body, fields)."""
        names = {name for name in call_kwargs if name not in _FRAMEWORK_KWARGS}
        names.update(self.model_kwargs)
        for body in (self.extra_body, call_kwargs.get("extra_body")):
            if isinstance(body, Mapping):
                names.update(body)
        names.update(self.model_fields_set)
        return names

    # --- the answer path: sent and read by the core, converted by ChatOpenAI ---
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        wanted, kwargs = completions_wanted(self.n, kwargs)
        prepared = self._prepare(messages, stop, kwargs)
        with openai_errors():
            return chat_result_of(self, [complete(self.client, prepared) for _ in range(wanted)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        wanted, kwargs = completions_wanted(self.n, kwargs)
        prepared = self._prepare(messages, stop, kwargs)
        with openai_errors():
            answers = await asyncio.gather(
                *(acomplete(self.async_client, prepared) for _ in range(wanted))
            )
        return chat_result_of(self, answers)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        kwargs.pop("stream_usage", None)  # kluster.ai has no stream_options
        prepared = self._prepare(messages, stop, {**kwargs, "stream": True})
        with openai_errors():
            chunks = stream(self.client, prepared)
            yield from ChunkConverter(self, chunks, run_manager).generations(chunks.chunks)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        kwargs.pop("stream_usage", None)
        prepared = self._prepare(messages, stop, {**kwargs, "stream": True})
        with openai_errors():
            chunks = await astream(
                self.async_client, prepared, watch=lambda upstream: chunk_timeout(self, upstream)
            )
            converter = ChunkConverter(self, chunks, run_manager)
            async for generation in converter.agenerations(chunks.chunks):
                yield generation

    # --- tools and structured output ---
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable | BaseTool],
        *,
        tool_choice: dict | str | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools as ``ChatOpenAI`` does; each request then goes native or prompted
        (see ``tool_calling``). A ``tool_choice`` no tool answers raises ``InvalidToolError``.
        Example: ``llm.bind_tools([multiply], tool_choice="multiply").invoke("6 x 7?")``"""
        if self.tool_calling == "off":
            raise tools_off_error("ChatKluster.bind_tools")
        names = [convert_to_openai_tool(t).get("function", {}).get("name") for t in tools]
        normalize_tool_choice(tool_choice, names)
        return super().bind_tools(tools, tool_choice=tool_choice, **kwargs)

    def with_structured_output(
        self,
        schema: Any = None,
        *,
        method: str = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        tools: list | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Return output matching ``schema`` (Pydantic model, TypedDict or JSON schema).

        kluster.ai has no JSON mode: ``"json_schema"`` / ``"json_mode"`` put the schema in the
        system prompt and validate the reply, ``"function_calling"`` binds it as a tool; an
        invalid reply raises ``StructuredOutputParseError`` (an ``OutputParserException``).

        Example: ``ChatKluster().with_structured_output(Person).invoke("Ada Lovelace, 36")``
        """
        check_structured_arguments(self, tools, kwargs)
        if method == "function_calling" and self.tool_calling != "off" and schema is not None:
            return super().with_structured_output(
                schema,
                method="function_calling",
                include_raw=include_raw,
                strict=strict,
                tools=tools,
            )
        return prompted_structured_model(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )
