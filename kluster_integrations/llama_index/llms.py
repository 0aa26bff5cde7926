"""``KlusterLLM``: LlamaIndex's OpenAI-compatible LLM, made to keep the kluster.ai contract.

LlamaIndex builds each request's messages and parameters; the core prepares it
(``core.request``), sends it and reads the answer (``core.answer``), once per direction;
``_responses`` makes the ``ChatResponse`` as llama-index-llms-openai makes it.

Example:
    ```python
    from llama_index.core import Settings
    from kluster_integrations.llama_index import KlusterEmbedding, KlusterLLM

    Settings.llm = KlusterLLM()                 # $KLUSTER_API_KEY, https://api.kluster.ai/v1
    Settings.embed_model = KlusterEmbedding()   # BAAI/bge-m3
    print(Settings.llm.complete("Say hi").text)
    ```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    LLMMetadata,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.llms.openai.utils import to_openai_message_dicts
from llama_index.llms.openai_like import OpenAILike

from kluster_integrations.core.answer import acomplete, astream, complete, stream
from kluster_integrations.core.contract import (
    DEFAULT_CHAT_MODEL,
    FALLBACK_CONTEXT_WINDOW,
    FALLBACK_MAX_OUTPUT,
)
from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.core.models import check_model, model_info
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
from kluster_integrations.core.tools import ToolCallingMode, check_mode
from kluster_integrations.core.transport import (
    connection_defaults,
    private_values,
    resolve_api_key,
    resolve_base_url,
)
from kluster_integrations.llama_index._batch_api import BatchAPIMethods
from kluster_integrations.llama_index._connection import with_guarded_clients
from kluster_integrations.llama_index._estimates import EstimateMethods
from kluster_integrations.llama_index._rate_limits import GuardFields, RateLimitFields
from kluster_integrations.llama_index._reasoning import history_with_reasoning
from kluster_integrations.llama_index._responses import (
    answered,
    astream_responses,
    stream_responses,
)
from kluster_integrations.llama_index._structured import StructuredMethods
from kluster_integrations.llama_index._tools import tools_off_error

__all__ = ["KlusterLLM"]


class KlusterLLM(
    StructuredMethods, EstimateMethods, BatchAPIMethods, OpenAILike, RateLimitFields, GuardFields
):
    """kluster.ai LLM: LlamaIndex's `OpenAILike`, made to keep the kluster.ai contract.

    Every request (`complete`, `chat`, their streaming and async forms, tools, structured
    output, agents) is cleaned for kluster.ai before it is sent: parameters it refuses are
    dropped (with a warning when you set them yourself, or `UnsupportedParameterError` with
    `strict_parameters=True`), `max_tokens` goes as `max_completion_tokens`, and a stream cut
    short raises `StreamInterruptedError`. Context window and output size come from the
    model catalog. Structured output asks for JSON in the prompt; tools follow
    `tool_calling`; a reasoning model's thinking becomes a `ThinkingBlock`. Each answer's
    USD is in `additional_kwargs["cost_usd"]` (docs/cost.md).

    Args:
        model (str): kluster.ai model id (default `"klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"`);
            ids the catalog lacks (fine-tunes, dedicated deployments) work with a warning.
        api_key (str | None): Defaults to `$KLUSTER_API_KEY`; never shown or serialized.
        api_base (str | None): Defaults to `$KLUSTER_BASE_URL`, else `https://api.kluster.ai/v1`.
        max_tokens (int | None): Reply length cap, sent as `max_completion_tokens`.
        context_window (int | None): Overrides the catalog (e.g. 32000 on the Trial tier).
        strict_parameters, tool_calling, reasoning, keep_reasoning_in_history, deadline,
        stream_idle_timeout, max_response_bytes: see the fields.
        requests_per_minute, max_concurrent_requests, tier: the account's rate limits,
            shared by every object on the same key (docs/rate-limits.md).
        max_retries (int): Retries by the openai SDK (default 2; LlamaIndex's own retry
            layer is not used). timeout (float): read timeout per attempt (default 300 s).

    Examples:
        ```python
        from llama_index.core.llms import ChatMessage
        from llama_index.core.prompts import PromptTemplate
        from llama_index.core.tools import FunctionTool
        from pydantic import BaseModel

        from kluster_integrations.llama_index import KlusterLLM


        class Person(BaseModel):
            name: str
            age: int


        def multiply(a: int, b: int) -> int:
            '''Multiply two integers.'''
            return a * b


        llm = KlusterLLM(model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", max_tokens=256)
        print(llm.complete("Say hi").text)
        messages = [ChatMessage(role="user", content="I love programming. In French?")]
        print(llm.chat(messages).message.content)
        for r in llm.stream_complete("Hi, write a short story"):
            print(r.delta, end="")
        llm.structured_predict(Person, PromptTemplate("Who is {who}?"), who="Ada Lovelace, 36")
        llm.predict_and_call([FunctionTool.from_defaults(multiply)], "What is 6 times 7?")
        job = llm.submit_batch(["Summarise: ...", "Summarise: ..."])   # the Batch API
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
            raise InvalidRequestError(
                ["kluster.ai serves chat completions only; leave is_chat_model at True."]
            )
        check_model(model, purpose="chat")
        api_key = resolve_api_key(api_key)
        api_base = resolve_base_url(api_base, argument="api_base")
        with_guarded_clients(connection_defaults(kwargs), api_key, api_base)
        super().__init__(
            model=model,
            api_key=api_key,
            api_base=api_base,
            strict_parameters=strict_parameters,
            tool_calling=tool_calling,
            **kwargs,
        )
        if strict_parameters:
            configured = self._get_model_kwargs()
            chosen = self._user_chosen(configured, {})
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

    # -- the request path: LlamaIndex builds it, the core prepares it --

    def _get_model_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        request = super()._get_model_kwargs(**kwargs)
        if kwargs.get("max_tokens") is not None:
            # OpenAI's version lets the constructor's max_tokens win over the call's.
            request["max_tokens"] = kwargs["max_tokens"]
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

    def _prepare(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any], *, stream: bool
    ) -> PreparedRequest:
        """The request ``OpenAI.chat`` would send for ``messages``, as kluster.ai takes it."""
        if self.keep_reasoning_in_history:
            messages = history_with_reasoning(messages)
        parameters = self._get_model_kwargs(**({**kwargs, "stream": True} if stream else kwargs))
        body = {"messages": to_openai_message_dicts(messages, model=self.model), "stream": stream}
        body.update(parameters)  # stock OpenAI passes stream=True to _get_model_kwargs too
        # pydantic finds a private attribute only after a failed lookup (core/transport/_sdk.py)
        preparer = cast(RequestPreparer, private_values(self)["_preparer"])
        options = ChatOptions(
            tool_calling=self.tool_calling,
            reasoning=self.reasoning,
            keep_reasoning_in_history=self.keep_reasoning_in_history,
            strict=self.strict_parameters,
            invalid_as_calls=True,
        )
        chosen = self._user_chosen(parameters, kwargs)
        return preparer.prepare_chat(body, user_chosen=chosen, options=options)

    def _reasoning_mode(self) -> ReasoningMode:
        return resolve_reasoning_mode(self.model, self.reasoning)

    # -- the answer path: sent and read by the core, made ChatResponses here --

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        answer = complete(
            self._get_client().chat.completions, self._prepare(messages, kwargs, stream=False)
        )
        return answered(answer, self.modalities or ["text"])

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        prepared = self._prepare(messages, kwargs, stream=False)
        answer = await acomplete(self._get_aclient().chat.completions, prepared)
        return answered(answer, self.modalities or ["text"])

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        prepared = self._prepare(messages, kwargs, stream=True)
        completions = self._get_client().chat.completions

        def responses() -> ChatResponseGen:
            yield from stream_responses(stream(completions, prepared))

        return responses()

    async def _astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        prepared = self._prepare(messages, kwargs, stream=True)
        completions = self._get_aclient().chat.completions

        async def responses() -> ChatResponseAsyncGen:
            async for response in astream_responses(await astream(completions, prepared)):
                yield response

        return responses()

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
