"""``ChatKluster``: LangChain's ``ChatOpenAI`` made to speak the kluster.ai contract.

Swap ``ChatOpenAI(base_url=..., api_key=...)`` for ``ChatKluster(model=...)``; the key and
URL come from ``KLUSTER_API_KEY`` / ``KLUSTER_BASE_URL``. Every request, whatever path it
took (invoke, stream, batch, their async forms, ``bind``, ``model_kwargs``,
``extra_body``), goes through ``core.sanitize_request`` in ``_get_request_payload``, the one
method they all share, and always to chat completions (never the Responses API).

Example:
    ```python
    from kluster_integrations.langchain import ChatKluster

    llm = ChatKluster(model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", max_tokens=256)
    llm.invoke("Hello!")
    ChatKluster(strict_parameters=True).invoke("hi", response_format={"type": "json_object"})
    # -> UnsupportedParameterError, nothing sent
    ```

The class docstring shows streaming, async, structured output, tools, batches, token usage
and reasoning.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from functools import partial
from operator import itemgetter
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import LangSmithParams
from pydantic import Field, PrivateAttr

from kluster_integrations.core.answer import (
    aguard_stream,
    check_chat_chunk,
    check_chat_completion,
    guard_stream,
    readable_response,
    reject_placeholder,
)
from kluster_integrations.core.batch_api import (
    BatchCodec,
    KlusterBatch,
    asubmit_inputs,
    attach,
    submit_inputs,
)
from kluster_integrations.core.contract import (
    API_KEY_ENV,
    DEFAULT_CHAT_MODEL,
    DEFAULT_COMPLETION_WINDOW,
)
from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.core.models import check_model
from kluster_integrations.core.reasoning import (
    ReasoningMode,
    check_reasoning_mode,
    resolve_reasoning_mode,
    strip_history_reasoning,
)
from kluster_integrations.core.request import RequestPreparer, refuse_unsupported
from kluster_integrations.core.tools import (
    ToolCallingMode,
    check_mode,
    normalize_tool_choice,
    plan_request,
)
from kluster_integrations.core.transport import private_values
from kluster_integrations.langchain import _batch_api as _batch
from kluster_integrations.langchain._connection import with_kluster_connection
from kluster_integrations.langchain._framework import (
    combined_llm_output,
    input_messages,
    own_stream_timeouts,
)
from kluster_integrations.langchain._reasoning import (
    aseparate_stream,
    copy_delta_reasoning,
    history_with_reasoning,
    separate_result,
    separate_stream,
)
from kluster_integrations.langchain._structured_output import (
    PROMPT_METHODS,
    JsonReplyParser,
    add_instruction,
    target_for,
)
from kluster_integrations.langchain._tools import (
    add_invalid_calls,
    kluster_profile,
    tools_off_error,
    wrap_clients,
)

#: Per-call keyword arguments that LangChain itself puts in, not the user.
_FRAMEWORK_KWARGS = frozenset({"stream"})


class ChatKluster(ChatOpenAI):
    """kluster.ai chat model integration: a `ChatOpenAI` that keeps the kluster.ai contract.

    Parameters kluster.ai refuses are removed before sending: those LangChain puts in
    (`stream_options`, `n=1`, ...) silently, those you set yourself (per call, `bind`,
    `model_kwargs`, `extra_body` or the constructor) with one `UnsupportedParameterWarning`
    each, or, with `strict_parameters=True`, an `UnsupportedParameterError` listing all of
    them before anything is sent. `max_tokens` is sent as `max_completion_tokens`; `n > 1`
    sends n requests; requests always go to chat completions, never the Responses API.

    Setup:
        Install `kluster-integrations` with its LangChain extra and set the environment
        variable `KLUSTER_API_KEY` (`KLUSTER_BASE_URL` is optional).

        ```bash
        pip install -U "kluster-integrations[langchain]"
        export KLUSTER_API_KEY="your-api-key"
        ```

    Key init args — completion params:
        model:
            kluster.ai model id, e.g. `"klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"` (the
            default). Fine-tunes (`ft:...`) and ids the catalog lacks work, with a warning.
        temperature:
            Sampling temperature, 0 to 2.
        max_tokens:
            Max number of tokens to generate (sent as `max_completion_tokens`).
        strict_parameters:
            Raise `UnsupportedParameterError` instead of warning when you set a parameter
            kluster.ai refuses.
        tool_calling:
            `"auto"` (native tools on kluster.ai's tool models, described in the prompt on
            the others), `"native"`, `"prompt"` or `"off"`.
        reasoning:
            Where a reasoning model's thinking goes: `"separate"`, `"inline"` or `"drop"`.
        keep_reasoning_in_history:
            Send earlier turns' thinking back to the model as `<think>` blocks.

    Key init args — client params:
        api_key:
            kluster.ai API key. If not passed in will be read from env var
            `KLUSTER_API_KEY`; `MissingAPIKeyError` when neither is set.
        base_url:
            Defaults to env var `KLUSTER_BASE_URL`, else `https://api.kluster.ai/v1`.
        timeout:
            Read timeout per attempt, in seconds (default 300).
        max_retries:
            Retries by the openai SDK (default 2).
        deadline:
            Seconds a whole call may take, retries included (default 600, streams unlimited).
        stream_idle_timeout:
            Seconds a stream may go without data (default: `timeout`).
        max_response_bytes:
            Cap on an answer's decoded size (default 64 MB).

    See full list of supported init args and their descriptions in the params section.

    Instantiate:
        ```python
        from kluster_integrations.langchain import ChatKluster

        model = ChatKluster(
            model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
            temperature=0,
            max_tokens=256,
            max_retries=2,
            # api_key="...",
            # other params...
        )
        ```

    Invoke:
        ```python
        messages = [
            ("system", "You are a helpful translator. Translate the user sentence to French."),
            ("human", "I love programming."),
        ]
        model.invoke(messages)
        ```

    Stream:
        ```python
        for chunk in model.stream(messages):
            print(chunk.text, end="")
        ```
        ```python
        stream = model.stream(messages)
        full = next(stream)
        for chunk in stream:
            full += chunk
        full
        ```

    Async:
        ```python
        await model.ainvoke(messages)

        # stream:
        async for chunk in model.astream(messages):
            print(chunk.text, end="")

        # batch:
        await model.abatch([messages])
        ```

    Structured output:
        ```python
        from pydantic import BaseModel, Field


        class Joke(BaseModel):
            '''Joke to tell user.'''

            setup: str = Field(description="The setup of the joke")
            punchline: str = Field(description="The punchline to the joke")


        structured_model = model.with_structured_output(Joke)
        structured_model.invoke("Tell me a joke about cats")
        ```

        kluster.ai has no `response_format`: the schema goes into the system prompt and
        the JSON reply is validated. See `ChatKluster.with_structured_output()` for more.

    Tool calling:
        ```python
        from pydantic import BaseModel, Field


        class GetWeather(BaseModel):
            '''Get the current weather in a given location'''

            location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


        model_with_tools = model.bind_tools([GetWeather])
        ai_msg = model_with_tools.invoke("What is the weather in San Francisco, CA?")
        ai_msg.tool_calls
        ```

        Native on kluster.ai's tool models, described in the prompt on the others (see
        `tool_calling`); either way the answer carries `tool_calls`. See
        `ChatKluster.bind_tools()` for more.

    Batch:
        ```python
        model.batch([messages, messages], config={"max_concurrency": 5})
        ```

        kluster.ai's Batch API (half the price, answers within a completion window):

        ```python
        job = model.submit_batch([messages, "Translate to French: good night"])
        job.wait()
        [answer.content for answer in job.results()]
        ```

        See `ChatKluster.submit_batch()` and `ChatKluster.get_batch()` for more.

    Token usage:
        ```python
        ai_msg = model.invoke(messages)
        ai_msg.usage_metadata
        ```
        ```python
        {"input_tokens": 28, "output_tokens": 5, "total_tokens": 33}
        ```

        Streams send no `stream_options` (kluster.ai refuses it); the last chunk carries
        usage when kluster.ai sends it.

    Reasoning:
        ```python
        reasoner = ChatKluster(model="deepseek-ai/DeepSeek-R1-0528")
        ai_msg = reasoner.invoke("Is 91 prime?")
        ai_msg.additional_kwargs["reasoning_content"]  # the thinking
        ai_msg.content  # the answer, without <think>
        ```

        `reasoning="inline"` leaves the thinking in `content`, `"drop"` discards it.

    Response metadata:
        ```python
        ai_msg = model.invoke(messages)
        ai_msg.response_metadata
        ```
    """

    model_name: str = Field(default=DEFAULT_CHAT_MODEL, alias="model")
    """The kluster.ai model id (``ft:...`` fine-tunes and dedicated deployments work too)."""

    strict_parameters: bool = False
    """Raise ``UnsupportedParameterError`` instead of warning when you ask for a parameter
    kluster.ai refuses. (``strict`` is ChatOpenAI's flag for tool schemas.)"""

    reasoning: str | None = None  # type: ignore[assignment]
    """Where a reasoning model's thinking goes: ``"separate"`` (into
    ``additional_kwargs["reasoning_content"]`` and a reasoning content block), ``"inline"``
    (left in ``content``) or ``"drop"``. Unset: ``"separate"`` for reasoning models and ids
    the catalog does not know, ``"inline"`` for the others. (Replaces ``ChatOpenAI``'s
    Responses-API ``reasoning`` settings, which kluster.ai does not take.)"""

    keep_reasoning_in_history: bool = False
    """Send earlier turns' thinking back to the model as ``<think>`` blocks; by default it
    is left out (it costs context, and the models are trained without it)."""

    tool_calling: ToolCallingMode = "auto"
    """``"auto"``: native tools on models that take them, prompted on the others;
    ``"native"``: always send ``tools``; ``"prompt"``: always through the prompt; ``"off"``:
    ``bind_tools`` raises ``ToolCallingNotSupportedError``."""

    _preparer: RequestPreparer = PrivateAttr(default_factory=RequestPreparer)

    deadline: float | None = None
    """Seconds the whole call may take, retries included (``None``: 600 for non-streamed
    calls, no limit for streams); see ``core.transport``."""
    stream_idle_timeout: float | None = None
    """Seconds a stream may go without a data event (``None``: ``timeout``)."""
    max_response_bytes: int | None = None
    """Cap on an answer's decoded size (``None``: 64 MB)."""

    def __init__(self, **kwargs: Any) -> None:
        check_reasoning_mode(kwargs.get("reasoning"))
        check_mode(kwargs.get("tool_calling", "auto"))
        super().__init__(**_with_kluster_defaults(kwargs))
        check_model(self.model_name, purpose="chat", stacklevel=4)
        wrap_clients(self)
        if self.strict_parameters:
            configured = {
                k: v
                for k, v in self._default_params.items()
                if k in self.model_fields_set or k in self.model_kwargs
            }
            refuse_unsupported({**configured, "extra_body": self.extra_body or {}})

    # --- token counting --------------------------------------------------------------

    def get_num_tokens_from_messages(
        self, messages: Sequence[BaseMessage], tools: Sequence[Any] | None = None, **kwargs: Any
    ) -> int:
        """An estimate (about four characters a token): kluster.ai's models use their own
        tokenizers, not OpenAI's tiktoken, so ``ChatOpenAI``'s exact count does not apply.
        Works with ``trim_messages(token_counter=llm)``."""
        return count_tokens_approximately(messages, tools=list(tools) if tools else None)

    def get_num_tokens(self, text: str) -> int:
        """``custom_get_token_ids`` when given, else the same estimate as for messages."""
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        return count_tokens_approximately([text], extra_tokens_per_message=0)

    # --- identity, tracing and serialization ------------------------------------------

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

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "kluster"
        return params

    # --- the one place every request passes ---------------------------------------------

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

    def _get_request_payload(
        self,
        input_: LanguageModelInput,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> dict:
        if self.keep_reasoning_in_history:
            input_ = history_with_reasoning(input_messages(self, input_))
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if not self.keep_reasoning_in_history and "messages" in payload:
            payload["messages"] = strip_history_reasoning(payload["messages"])
        payload, capabilities = plan_request(payload, self.tool_calling)
        return self._request_preparer.prepare(
            payload,
            user_chosen=self._user_chosen(kwargs),
            strict=self.strict_parameters,
            capabilities=capabilities,
        )

    @property
    def _request_preparer(self) -> RequestPreparer:
        """``self._preparer`` read straight from pydantic's private values: the attribute
        itself is found only after an ``AttributeError`` (see ``core/transport/_sdk.py``)."""
        return cast(RequestPreparer, private_values(self)["_preparer"])

    def _user_chosen(self, call_kwargs: Mapping[str, Any]) -> set[str]:
        """Parameter names the user chose (call, bind, model_kwargs, extra_body, fields)."""
        names = {name for name in call_kwargs if name not in _FRAMEWORK_KWARGS}
        names.update(self.model_kwargs)
        for body in (self.extra_body, call_kwargs.get("extra_body")):
            if isinstance(body, Mapping):
                names.update(body)
        names.update(self.model_fields_set)
        return names

    # --- n > 1: one request per completion -------------------------------------------------

    def _completions_wanted(self, kwargs: Mapping[str, Any]) -> int:
        n = kwargs.get("n", self.n)
        return n if isinstance(n, int) and n > 1 else 1

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        wanted = self._completions_wanted(kwargs)
        with readable_response():
            if wanted == 1:
                return super()._generate(messages, stop, run_manager, **kwargs)
            single = {**kwargs, "n": 1}
            return self._merge_results(
                [
                    super(ChatKluster, self)._generate(messages, stop, run_manager, **single)
                    for _ in range(wanted)
                ]
            )

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        wanted = self._completions_wanted(kwargs)
        with readable_response():
            if wanted == 1:
                return await super()._agenerate(messages, stop, run_manager, **kwargs)
            single = {**kwargs, "n": 1}
            results = await asyncio.gather(
                *(
                    super(ChatKluster, self)._agenerate(messages, stop, run_manager, **single)
                    for _ in range(wanted)
                )
            )
        return self._merge_results(list(results))

    def _merge_results(self, results: Sequence[ChatResult]) -> ChatResult:
        return ChatResult(
            generations=[generation for result in results for generation in result.generations],
            llm_output=combined_llm_output(self, [result.llm_output for result in results]),
        )

    # --- streaming: no stream_options on the wire; usage arrives if the server sends it ----

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        kwargs["stream_usage"] = False
        chunks = separate_stream(super()._stream(*args, **kwargs), self._reasoning_mode)
        return guard_stream(chunks, finish_reason=_finish_reason, text=_chunk_text)

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        kwargs["stream_usage"] = False
        streamed = own_stream_timeouts(super()._astream(*args, **kwargs))
        chunks = aseparate_stream(streamed, self._reasoning_mode)
        async for chunk in aguard_stream(chunks, finish_reason=_finish_reason, text=_chunk_text):
            yield chunk

    # --- reasoning models: the thinking out of the answer (see langchain/reasoning.py) ------

    def _create_chat_result(self, response: Any, generation_info: dict | None = None) -> ChatResult:
        check_chat_completion(response)
        result = super()._create_chat_result(response, generation_info)
        result = separate_result(result, response, self._reasoning_mode)
        result = add_invalid_calls(result, response)
        if result.generations:
            reject_placeholder(result.generations[0].message.content)
        return result

    def _convert_chunk_to_generation_chunk(
        self, chunk: dict, default_chunk_class: type, base_generation_info: dict | None
    ) -> ChatGenerationChunk | None:
        check_chat_chunk(chunk)
        converted = super()._convert_chunk_to_generation_chunk(
            chunk, default_chunk_class, base_generation_info
        )
        return copy_delta_reasoning(converted, chunk)

    # --- the Batch API (answers read in ``langchain/batch.py``) -------------------------

    def submit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        *,
        completion_window: str = DEFAULT_COMPLETION_WINDOW,
        custom_ids: Sequence[str] | None = None,
        schema: Any = None,
        max_requests_per_batch: int | None = None,
        **kwargs: Any,
    ) -> KlusterBatch:
        """Send ``inputs`` (as for ``.batch()``) through kluster.ai's Batch API.

        Each input is the request ``invoke`` would send (``kwargs`` as for ``invoke``);
        ``schema`` asks for structured output as ``with_structured_output`` does. Returns
        a ``KlusterBatch``: ``.wait()`` shows progress, ``.results()`` gives ``AIMessage`` objects
        (or parsed objects) in input order. ``completion_window``: ``"24h"``, ``"48h"``
        or ``"72h"``; ``custom_ids``: one unique id per input (default
        ``request-<index>``); ``max_requests_per_batch``: split into several batches
        (Trial: 999). Jobs are split at 100 MB per file anyway.

        Example::

            job = llm.submit_batch(["Classify: great movie", "Classify: dull"])
            job.wait(poll_interval=30)
            labels = [m.content for m in job.results()]
        """
        return submit_inputs(
            self.root_client,
            inputs,
            self._batch_codec(schema, kwargs),
            async_client=self.root_async_client,
            completion_window=completion_window,
            custom_ids=custom_ids,
            max_requests_per_batch=max_requests_per_batch,
        )

    async def asubmit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        *,
        completion_window: str = DEFAULT_COMPLETION_WINDOW,
        custom_ids: Sequence[str] | None = None,
        schema: Any = None,
        max_requests_per_batch: int | None = None,
        **kwargs: Any,
    ) -> KlusterBatch:
        """``submit_batch`` with the uploads on the async client."""
        return await asubmit_inputs(
            self.root_client,
            self.root_async_client,
            inputs,
            self._batch_codec(schema, kwargs),
            completion_window=completion_window,
            custom_ids=custom_ids,
            max_requests_per_batch=max_requests_per_batch,
        )

    def get_batch(self, batch_id: str, *, schema: Any = None) -> KlusterBatch:
        """Re-attach to a job by its ``id`` (from another process, or yesterday); its
        results are read as this model reads them (pass the same ``schema``)."""
        return attach(
            self.root_client,
            batch_id,
            async_client=self.root_async_client,
            convert=self._batch_codec(schema, {}).result_from,
        )

    def _batch_codec(self, schema: Any, kwargs: dict[str, Any]) -> BatchCodec:
        """Each input as the request ``invoke`` would send (the schema instruction added
        first, as ``with_structured_output`` adds it), each answer as ``invoke`` returns it
        (then parsed, with ``schema``)."""
        if schema is None:
            return _batch.chat_codec(
                lambda value: self._get_request_payload(value, **kwargs),
                self._create_chat_result,
            )
        target = target_for(schema)

        def request_for(value: LanguageModelInput) -> dict[str, Any]:
            messages = add_instruction(self, target.json_schema, value)
            return self._get_request_payload(messages, **kwargs)

        return _batch.chat_codec(
            request_for, self._create_chat_result, JsonReplyParser(target=target)
        )

    # --- tools and structured output ----------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable | BaseTool],
        *,
        tool_choice: dict | str | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools as ``ChatOpenAI`` does; each request then goes native or prompted
        (see ``tool_calling``). ``tool_choice``: ``"auto"``, ``"none"``, ``"required"`` (or
        ``"any"`` / ``True``), a tool name or ``{"type": "function", ...}``; anything else
        raises ``InvalidToolError`` right away.

        Example::

            llm.bind_tools([multiply], tool_choice="multiply").invoke("6 x 7?").tool_calls
        """
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

        kluster.ai has no ``response_format``, so ``"json_schema"`` and ``"json_mode"`` put
        the schema into the system prompt, and the JSON reply is parsed and validated.
        ``"function_calling"`` binds the schema as a tool (native on tool models, prompted
        elsewhere; the prompt path with ``tool_calling="off"``). An invalid reply raises
        ``StructuredOutputParseError`` (an ``OutputParserException``); with
        ``include_raw=True`` it lands in ``parsing_error`` instead. ``strict`` is accepted;
        validation is always done here.

        Example::

            class Person(BaseModel):
                name: str
                age: int

            ChatKluster().with_structured_output(Person).invoke("Ada Lovelace, 36")
        """
        if kwargs:
            raise ValueError(f"with_structured_output got unsupported arguments {kwargs}.")
        if tools and self.tool_calling == "off":
            raise tools_off_error("ChatKluster.with_structured_output(tools=...)")
        if method == "function_calling" and self.tool_calling != "off" and schema is not None:
            return super().with_structured_output(
                schema,
                method="function_calling",
                include_raw=include_raw,
                strict=strict,
                tools=tools,
            )
        if method not in PROMPT_METHODS:
            raise ValueError(
                f"method must be one of {PROMPT_METHODS}, not {method!r}; "
                "'function_calling' binds the schema as a tool, the others put it in the prompt."
            )
        if schema is None and method != "json_mode":
            raise ValueError(
                f"with_structured_output(method={method!r}) needs a schema; "
                "use method='json_mode' for free-form JSON."
            )
        target = target_for(schema)
        traced = (
            self
            if schema is None
            else self.bind(
                ls_structured_output_format={
                    "kwargs": {"method": method, "strict": strict},
                    "schema": schema,
                }
            )
        )
        llm = RunnableLambda(partial(add_instruction, self, target.json_schema)) | traced
        parser = JsonReplyParser(target=target)
        if is_basemodel_subclass(schema):
            parser = parser.with_types(output_type=schema)  # type: ignore[assignment]
        if not include_raw:
            return llm | parser
        parse_raw = RunnablePassthrough.assign(
            parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
        )
        keep_raw = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parse_raw.with_fallbacks(
            [keep_raw], exception_key="parsing_error"
        )


def _with_kluster_defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments with the kluster.ai connection and chat defaults filled in."""
    if "strict" in kwargs:
        # ChatOpenAI has no such field: it would go into model_kwargs and break every call.
        raise InvalidRequestError(
            [
                "ChatKluster has no `strict` option: strict mode is `strict_parameters=True` "
                "(for strict tool schemas, pass `strict=True` to `bind_tools`)."
            ]
        )
    kwargs = with_kluster_connection(kwargs)
    if kwargs.pop("use_responses_api", None):
        warnings.warn(
            "kluster.ai serves chat completions only; use_responses_api=True is ignored.",
            UserWarning,
            stacklevel=3,
        )
    return kwargs


def _finish_reason(chunk: ChatGenerationChunk) -> str | None:
    return (chunk.generation_info or {}).get("finish_reason")


def _chunk_text(chunk: ChatGenerationChunk) -> str:
    return chunk.text
