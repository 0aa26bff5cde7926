"""``KlusterLLM``: LlamaIndex's OpenAI-compatible LLM, made to keep the kluster.ai contract.

Example:
    ```python
    from llama_index.core import Settings
    from kluster_integrations.llama_index import KlusterEmbedding, KlusterLLM

    Settings.llm = KlusterLLM()                 # $KLUSTER_API_KEY, https://api.kluster.ai/v1
    Settings.embed_model = KlusterEmbedding()   # BAAI/bge-m3
    print(Settings.llm.complete("Say hi").text)
    ```

What it changes from ``OpenAILike``:

- every request (``complete``, ``chat``, streaming and async forms) goes through the core
  sanitizer and validator once, messages included; ``max_tokens`` is sent as
  ``max_completion_tokens``; a stream cut short raises ``StreamInterruptedError``;
- context window and output size come from the core model catalog;
- structured output (``structured_predict``, ``as_structured_llm``, query engines with
  ``output_cls``) asks for JSON in the prompt instead of sending ``tool_choice``;
- tools (``chat_with_tools``, ``predict_and_call``, ``FunctionAgent``, ``AgentWorkflow``)
  follow ``tool_calling``: native on kluster.ai's tool models, described in the prompt on
  every other model (``"auto"``), or ``"native"`` / ``"prompt"`` / ``"off"``;
- images go only to vision models (``ImageInputNotSupportedError`` otherwise);
- ``strict_parameters=True`` raises ``UnsupportedParameterError`` instead of dropping
  parameters you set that kluster.ai refuses;
- the API key never shows in ``repr``, ``str``, ``to_dict`` or ``to_json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import openai
from llama_index.core.base.llms.types import LLMMetadata
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.llms.openai_like import OpenAILike

from kluster_integrations.core.batch_api import (
    BatchCodec,
    KlusterBatch,
    asubmit_inputs,
    attach,
    submit_inputs,
)
from kluster_integrations.core.contract import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_COMPLETION_WINDOW,
    FALLBACK_CONTEXT_WINDOW,
    FALLBACK_MAX_OUTPUT,
)
from kluster_integrations.core.models import check_model, model_info
from kluster_integrations.core.reasoning import (
    ReasoningMode,
    check_reasoning_mode,
    resolve_reasoning_mode,
    strip_history_reasoning,
)
from kluster_integrations.core.request import RequestPreparer, refuse_unsupported
from kluster_integrations.core.tools import ToolCallingMode, check_mode, plan_request
from kluster_integrations.core.transport import (
    connection_defaults,
    private_values,
    resolve_api_key,
    resolve_base_url,
)
from kluster_integrations.llama_index import _batch_api as _batch
from kluster_integrations.llama_index._client import AsyncPreparedOpenAI, PreparedOpenAI
from kluster_integrations.llama_index._connection import with_guarded_clients
from kluster_integrations.llama_index._framework import (
    USER_CHOSEN_KEY,
    credential_kwargs,
    response_token_counts,
    without_llamaindex_retries,
)
from kluster_integrations.llama_index._reasoning import ReasoningClient, reasoning_aware
from kluster_integrations.llama_index._structured import schema_program
from kluster_integrations.llama_index._tools import tools_off_error

dispatcher = get_dispatcher(__name__)


class KlusterLLM(OpenAILike):
    """kluster.ai LLM: LlamaIndex's `OpenAILike`, made to keep the kluster.ai contract.

    Every request (`complete`, `chat`, their streaming and async forms, tools, structured
    output, agents) is cleaned for kluster.ai before it is sent: parameters it refuses are
    dropped (with a warning when you set them yourself, or `UnsupportedParameterError` with
    `strict_parameters=True`), `max_tokens` goes as `max_completion_tokens`, and a stream cut
    short raises `StreamInterruptedError`. Context window and output size come from the
    model catalog.

    Args:
        model (str): kluster.ai model id. Defaults to
            `"klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"`; ids the catalog lacks (fine-tunes,
            dedicated deployments) work with a warning.
        api_key (str | None): kluster.ai API key. Defaults to `$KLUSTER_API_KEY`;
            `MissingAPIKeyError` when neither is set. Never shown or serialized.
        api_base (str | None): Defaults to `$KLUSTER_BASE_URL`, else
            `https://api.kluster.ai/v1`.
        temperature (float): Sampling temperature, 0 to 2.
        max_tokens (int | None): Reply length cap, sent as `max_completion_tokens`.
        context_window (int | None): Overrides the catalog (e.g. 32000 on the Trial tier).
        strict_parameters (bool): Raise `UnsupportedParameterError` instead of warning when
            you set a parameter kluster.ai refuses (in `additional_kwargs` or per call).
        tool_calling (str): `"auto"` (native tools on kluster.ai's tool models, described
            in the prompt on the others), `"native"`, `"prompt"` or `"off"` (tool calls raise
            `ToolCallingNotSupportedError`).
        reasoning (str | None): Where a reasoning model's thinking goes: `"separate"` (a
            `ThinkingBlock`; `thinking_delta` when streaming), `"inline"` (left in the text)
            or `"drop"`. Unset: `"separate"` for reasoning models and unknown ids.
        keep_reasoning_in_history (bool): Send earlier turns' thinking back as `<think>`
            blocks.
        max_retries (int): Retries by the openai SDK (default 2; LlamaIndex's own retry
            layer is not used).
        timeout (float): Read timeout per attempt, in seconds (default 300).
        deadline (float | None): Seconds a whole call may take, retries included (default
            600; streams unlimited).
        stream_idle_timeout (float | None): Seconds a stream may go without data (default:
            `timeout`).
        max_response_bytes (int | None): Cap on an answer's decoded size (default 64 MB).
        additional_kwargs (dict): Extra request parameters, cleaned like everything else.

    Examples:
        `pip install "kluster-integrations[llama-index]"`

        ```python
        from llama_index.core import Settings
        from llama_index.core.llms import ChatMessage

        from kluster_integrations.llama_index import KlusterLLM

        llm = KlusterLLM(model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", max_tokens=256)
        Settings.llm = llm

        print(llm.complete("Say hi").text)

        messages = [ChatMessage(role="user", content="I love programming. In French?")]
        print(llm.chat(messages).message.content)

        for r in llm.stream_complete("Hi, write a short story"):
            print(r.delta, end="")
        ```

        Async:

        ```python
        response = await llm.acomplete("Say hi")
        async for r in await llm.astream_chat(messages):
            print(r.delta, end="")
        ```

        Structured output (the schema goes into the prompt; kluster.ai has no
        `response_format`):

        ```python
        from llama_index.core.prompts import PromptTemplate
        from pydantic import BaseModel


        class Person(BaseModel):
            name: str
            age: int


        llm.structured_predict(Person, PromptTemplate("Who is {who}?"), who="Ada Lovelace, 36")
        ```

        Tools (native or prompted, see `tool_calling`):

        ```python
        from llama_index.core.tools import FunctionTool


        def multiply(a: int, b: int) -> int:
            '''Multiply two integers.'''
            return a * b


        llm.predict_and_call([FunctionTool.from_defaults(multiply)], "What is 6 times 7?")
        ```

        Reasoning models:

        ```python
        reasoner = KlusterLLM(model="deepseek-ai/DeepSeek-R1-0528")
        response = reasoner.chat([ChatMessage(role="user", content="Is 91 prime?")])
        response.message.blocks  # a ThinkingBlock, then the answer's TextBlock
        ```

        kluster.ai's Batch API:

        ```python
        job = llm.submit_batch(["Summarise: ...", "Summarise: ..."])
        job.wait()
        [r.message.content for r in job.results()]
        ```
    """

    model: str = Field(default=DEFAULT_CHAT_MODEL, description="The kluster.ai model id.")
    api_key: str | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="The kluster.ai API key (never serialized).",
    )
    context_window: int | None = Field(
        default=None,
        gt=0,
        description="Context window in tokens; None takes it from the model catalog.",
    )
    is_chat_model: bool = Field(default=True, description="kluster.ai serves chat models.")
    is_function_calling_model: bool = Field(
        default=True, description="True unless tool_calling='off' (read from tool_calling)."
    )
    tool_calling: ToolCallingMode = Field(
        default="auto",
        description="'auto': native tools on kluster.ai's tool models, prompted elsewhere; "
        "'native', 'prompt', or 'off'.",
    )
    strict_parameters: bool = Field(
        default=False,
        description="Raise UnsupportedParameterError instead of dropping a parameter you set "
        "that kluster.ai refuses.",
    )

    reasoning: str | None = Field(
        default=None,
        description="'separate', 'inline' or 'drop': where a reasoning model's thinking goes; "
        "None: 'separate' for reasoning models and unknown ids.",
    )
    keep_reasoning_in_history: bool = Field(
        default=False,
        description="Send earlier turns' thinking back to the model as <think> blocks.",
    )
    deadline: float | None = Field(
        default=None,
        description="Seconds the whole call may take, retries included (None: "
        "600 for non-streamed calls, no limit for streams).",
    )
    stream_idle_timeout: float | None = Field(
        default=None, description="Seconds a stream may go without a data event (None: timeout)."
    )
    max_response_bytes: int | None = Field(
        default=None, description="Cap on an answer's decoded size (None: 64 MB)."
    )

    _preparer: RequestPreparer = PrivateAttr(default_factory=RequestPreparer)

    def __init__(
        self,
        model: str = DEFAULT_CHAT_MODEL,
        api_key: str | None = None,
        api_base: str | None = None,
        strict_parameters: bool = False,
        tool_calling: ToolCallingMode = "auto",
        **kwargs: Any,
    ) -> None:
        check_reasoning_mode(kwargs.get("reasoning"))
        check_mode(tool_calling)
        if kwargs.get("is_chat_model") is False:
            raise ValueError(
                "kluster.ai serves chat completions only; leave is_chat_model at True."
            )
        check_model(model, purpose="chat")
        with_guarded_clients(connection_defaults(kwargs))
        super().__init__(
            model=model,
            api_key=resolve_api_key(api_key),
            api_base=resolve_base_url(api_base),
            strict_parameters=strict_parameters,
            tool_calling=tool_calling,
            **kwargs,
        )
        if strict_parameters:
            configured = self._get_model_kwargs()
            chosen = configured.pop(USER_CHOSEN_KEY)
            refuse_unsupported({k: v for k, v in configured.items() if k in chosen})

    @classmethod
    def class_name(cls) -> str:
        return "KlusterLLM"

    @property
    def metadata(self) -> LLMMetadata:
        """Context window and output size from the catalog (fallbacks for unknown ids); a
        function-calling model unless ``tool_calling="off"``."""
        info = model_info(self.model)
        context_window = self.context_window or (
            info.context_window if info else FALLBACK_CONTEXT_WINDOW
        )
        max_output = info.max_output_tokens if info else FALLBACK_MAX_OUTPUT
        # Reserve room for the reply, but never so much that no prompt would fit.
        num_output = self.max_tokens or min(max_output, context_window // 4)
        return LLMMetadata(
            context_window=context_window,
            num_output=num_output,
            is_chat_model=True,
            is_function_calling_model=self.tool_calling != "off",
            model_name=self.model,
        )

    # -- requests: every path builds its kwargs here and sends through the prepared client --

    def _get_model_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        request = super()._get_model_kwargs(**kwargs)
        if kwargs.get("max_tokens") is not None:
            # OpenAI's version lets the constructor's max_tokens win over the call's.
            request["max_tokens"] = kwargs["max_tokens"]
        request[USER_CHOSEN_KEY] = self._user_chosen(request, kwargs)
        return request

    def _user_chosen(self, request: dict[str, Any], call_kwargs: dict[str, Any]) -> frozenset[str]:
        """Names in ``request`` the user chose: per call, ``additional_kwargs`` (with the keys
        of any ``extra_body``) and constructor fields such as ``store`` or ``modalities``."""
        names = {*self.additional_kwargs, *call_kwargs}
        names.update(name for name in request if name in self.model_fields_set)
        for source in (self.additional_kwargs, call_kwargs):
            if isinstance(source.get("extra_body"), dict):
                names.update(source["extra_body"])
        return frozenset(names)

    @property
    def _request_preparer(self) -> RequestPreparer:
        """``self._preparer`` read straight from pydantic's private values: the attribute
        itself is found only after an ``AttributeError`` (see ``core/transport/_sdk.py``)."""
        return cast(RequestPreparer, private_values(self)["_preparer"])

    def _prepare(self, request: dict[str, Any]) -> dict[str, Any]:
        """The request LlamaIndex built, as kluster.ai accepts it (see ``core.request``)."""
        request = dict(request)
        user_chosen = request.pop(USER_CHOSEN_KEY, ())
        if not self.keep_reasoning_in_history and "messages" in request:
            request["messages"] = strip_history_reasoning(request["messages"])
        request, capabilities = plan_request(request, self.tool_calling, invalid_as_calls=True)
        return self._request_preparer.prepare(
            request,
            user_chosen=user_chosen,
            strict=self.strict_parameters,
            capabilities=capabilities,
        )

    def _get_client(self) -> Any:
        return ReasoningClient(
            PreparedOpenAI(super()._get_client(), self._prepare), self._reasoning_mode
        )

    def _get_aclient(self) -> Any:
        return ReasoningClient(
            AsyncPreparedOpenAI(super()._get_aclient(), self._prepare), self._reasoning_mode
        )

    def _reasoning_mode(self) -> ReasoningMode:
        return resolve_reasoning_mode(self.model, self.reasoning)

    # LlamaIndex's retries switched off, the SDK's kept (``_framework.without_llamaindex_retries``).
    _chat = reasoning_aware(without_llamaindex_retries(OpenAILike, "_chat"))
    _stream_chat = reasoning_aware(without_llamaindex_retries(OpenAILike, "_stream_chat"))
    _achat = reasoning_aware(without_llamaindex_retries(OpenAILike, "_achat"))
    _astream_chat = reasoning_aware(without_llamaindex_retries(OpenAILike, "_astream_chat"))

    # -- the Batch API (inputs and answers read in ``llama_index/batch.py``) --

    def submit_batch(
        self,
        inputs: Sequence[Any],
        *,
        completion_window: str = DEFAULT_COMPLETION_WINDOW,
        custom_ids: Sequence[str] | None = None,
        max_requests_per_batch: int | None = None,
        **kwargs: Any,
    ) -> KlusterBatch:
        """Send ``inputs`` (lists of ``ChatMessage``, or strings taken as one user message)
        through kluster.ai's Batch API, each as ``chat`` would send it (``kwargs`` as for
        ``chat``). Returns a ``KlusterBatch``; ``.results()`` gives ``ChatResponse``
        objects in input order. ``completion_window``: ``"24h"``, ``"48h"`` or ``"72h"``.

        Example::

            job = KlusterLLM().submit_batch(["Summarise: ...", "Summarise: ..."])
            job.wait()
            [r.message.content for r in job.results()]
        """
        client, async_client = self._batch_clients()
        return submit_inputs(
            client,
            _batch.chat_inputs(inputs),
            self._batch_codec(kwargs),
            async_client=async_client,
            completion_window=completion_window,
            custom_ids=custom_ids,
            max_requests_per_batch=max_requests_per_batch,
        )

    async def asubmit_batch(
        self,
        inputs: Sequence[Any],
        *,
        completion_window: str = DEFAULT_COMPLETION_WINDOW,
        custom_ids: Sequence[str] | None = None,
        max_requests_per_batch: int | None = None,
        **kwargs: Any,
    ) -> KlusterBatch:
        """``submit_batch`` with the uploads on the async client."""
        client, async_client = self._batch_clients()
        return await asubmit_inputs(
            client,
            async_client,
            _batch.chat_inputs(inputs),
            self._batch_codec(kwargs),
            completion_window=completion_window,
            custom_ids=custom_ids,
            max_requests_per_batch=max_requests_per_batch,
        )

    def get_batch(self, batch_id: str) -> KlusterBatch:
        """Re-attach to a job by its ``id``; results are ``ChatResponse`` objects."""
        client, async_client = self._batch_clients()
        return attach(
            client, batch_id, async_client=async_client, convert=self._batch_codec({}).result_from
        )

    def _batch_codec(self, kwargs: dict[str, Any]) -> BatchCodec:
        """Each input's messages as the request ``chat`` would send, each answer as the
        ``ChatResponse`` it returns."""
        return _batch.chat_codec(
            model=self.model,
            model_kwargs=lambda: self._get_model_kwargs(**kwargs),
            prepare=self._prepare,
            token_counts=lambda raw: response_token_counts(self, raw),
            modalities=self.modalities or ["text"],
        )

    def _batch_clients(self) -> tuple[openai.OpenAI, openai.AsyncOpenAI]:
        return (
            openai.OpenAI(**credential_kwargs(self)),
            openai.AsyncOpenAI(**credential_kwargs(self, is_async=True)),
        )

    # -- structured output: JSON asked for in the prompt, never tool_choice/response_format --

    @dispatcher.span
    def structured_predict(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        """Fill ``output_cls`` from the model's JSON reply; ``StructuredOutputError`` if it
        cannot."""
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        result = schema_program(output_cls, prompt, self)(llm_kwargs=llm_kwargs, **prompt_args)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    @dispatcher.span
    async def astructured_predict(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        """The async form of ``structured_predict``."""
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        program = schema_program(output_cls, prompt, self)
        result = await program.acall(llm_kwargs=llm_kwargs, **prompt_args)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    def _structured_stream_call(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        program = schema_program(output_cls, prompt, self)
        return program.stream_call(llm_kwargs=llm_kwargs, **prompt_args)

    async def _structured_astream_call(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        program = schema_program(output_cls, prompt, self)
        return await program.astream_call(llm_kwargs=llm_kwargs, **prompt_args)

    # -- tools: OpenAI's function calling; core.tools decides native or prompted --

    def _prepare_chat_with_tools(self, tools: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if self.tool_calling == "off":
            raise tools_off_error("KlusterLLM.chat_with_tools")
        return super()._prepare_chat_with_tools(tools, *args, **kwargs)

    def predict_and_call(self, tools: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the tool the model picks (native or prompted, see ``tool_calling``)."""
        if self.tool_calling == "off":
            raise tools_off_error("KlusterLLM.predict_and_call")
        return super().predict_and_call(tools, *args, **kwargs)

    async def apredict_and_call(self, tools: Any, *args: Any, **kwargs: Any) -> Any:
        """The async form of ``predict_and_call``."""
        if self.tool_calling == "off":
            raise tools_off_error("KlusterLLM.apredict_and_call")
        return await super().apredict_and_call(tools, *args, **kwargs)
