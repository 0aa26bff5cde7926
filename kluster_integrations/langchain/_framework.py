"""Every private part of langchain-core and langchain-openai that ``ChatKluster`` and
``KlusterEmbeddings`` use, in one place.

Nothing else in ``kluster_integrations/langchain`` names a private part of a library
(``tests/unit_tests/test_framework_boundary.py`` checks it); ``tests/unit_tests/langchain/
test_framework.py`` goes red when the installed langchain-core or langchain-openai changes
one of them. pydantic's and the openai SDK's are in ``core/transport/_sdk.py``.

**Overridden hooks** (``OVERRIDDEN_HOOKS``, with the parameters relied on). langchain-openai's
``BaseChatOpenAI`` has no public hooks for changing a request or reading an answer; these
private methods are the extension points its partner packages (langchain-deepseek,
langchain-xai) override too. A renamed hook would silently stop being called, so the test
checks each name and signature:

- ``_get_request_payload(input_, *, stop=None, **kwargs)``: the request body ChatOpenAI
  builds (messages, parameters), which ``ChatKluster`` then prepares; overridden so that
  whoever calls it gets the body as sent;
- ``_generate`` / ``_agenerate`` / ``_stream`` / ``_astream``: each request prepared once
  and sent through the core answer path (``n > 1`` as one request per completion);
- ``_use_responses_api(payload)``: always ``False`` (kluster.ai has no Responses API);
- ``_default_params`` and ``_llm_type`` (properties); ``_get_ls_params(stop, **kwargs)``;
- ``_resolve_model_profile()``: the catalog's capabilities as a ``ModelProfile``;
- ``_combine_llm_outputs(llm_outputs)``: ``generate`` over several prompts (and ``n > 1``)
  sums ``cost_usd`` as it sums token usage.

**Called** (through the functions below; breaks if renamed or re-signatured):

- ``BaseChatOpenAI._create_chat_result(response, generation_info=None)`` and
  ``_convert_chunk_to_generation_chunk(chunk, default_chunk_class, base_generation_info)``:
  an answer (a chunk) made a ``ChatResult`` (a ``ChatGenerationChunk``) exactly as
  ``ChatOpenAI`` makes it (called as the model's own methods);
- ``langchain_openai.chat_models._client_utils._astream_with_chunk_timeout(source,
  timeout, *, model_name)`` (langchain-openai 1.2 or so), in ``chunk_timeout``:
  ``stream_chunk_timeout`` on async streams as ``ChatOpenAI`` applies it (default, environment
  variable or field), measured between the server's own chunks (before prompted tools hold
  any back); its wrapper takes any ``TimeoutError`` for its own, so the package's own
  timeouts are raised as themselves again;
- ``langchain_openai.chat_models.base._handle_openai_bad_request(error)`` and
  ``_handle_openai_api_error(error)`` (the second since langchain-openai 1.2 or so), in
  ``raise_as_chat_openai``: the SDK's errors raised as langchain-openai's own types, which
  are also langchain-core's (``ModelAuthenticationError``...), as ``ChatOpenAI`` raises them;
  those types (``OpenAIConnectionError``, ``OpenAIAuthenticationError``,
  ``OpenAIPermissionDeniedError``, ``OpenAIModelNotFoundError``, public names of that
  module) are imported here too, as bases of the core's setup errors in ``_errors``, with
  the SDK's types in their place before langchain-openai had them;

- ``langchain_openai.chat_models.base._convert_message_to_dict(message)`` and
  ``_convert_from_v1_to_chat_completions(message)`` (for AI messages), in
  ``message_dicts``: messages written into a body as ``ChatOpenAI._get_request_payload``
  writes them, without building the rest of the body again for every line of a batch
  job (``writes_messages_alone`` checks, per model, that the payload holds nothing else);

- ``BaseChatModel._convert_input(model_input)`` (langchain-core), in ``input_messages``:
  any ``LanguageModelInput`` as messages, exactly as the model itself reads it (reasoning
  kept in history, the schema instruction of structured output);
- ``BaseChatOpenAI._combine_llm_outputs(llm_outputs)`` (langchain-openai), in
  ``combined_llm_output``: token usage summed over the ``n > 1`` requests;
- ``langchain_core.language_models.chat_models._gen_info_and_msg_metadata(generation)``,
  in ``response_metadata``: the ``response_metadata`` a real-time call gives a message
  (it leaves out LangChain's gateway key), so a Batch API answer carries the same.

**One chat-model run per input of a Batch API job** (``with_batch_api``), started and ended
as ``BaseChatModel.generate`` does it for one input, through ``chat_run_start`` and
``finished_generation``: ``BaseChatModel._get_invocation_params(stop, **kwargs)``,
``_get_ls_params_with_defaults(stop, **kwargs)`` and the ``_serialized`` property, and
langchain-core's ``_format_ls_structured_output``, ``_format_for_tracing``,
``_filter_invocation_params_for_tracing`` (``language_models._utils``),
``_update_message_content_to_blocks`` (``output_version="v1"``) and
``_generate_response_from_error`` (in ``error_result``). These set what tracers see: the
invocation parameters, the ``ls_*`` metadata, the messages as traced, the message ids.

**Read or replaced attributes** (public fields, listed because the test checks their
type): ``client`` and ``async_client`` (``root_client.chat.completions``, called as
``with_raw_response.create(**body)``) on the chat model and
``client`` / ``async_client`` (``root_client.embeddings``) on ``OpenAIEmbeddings``; read:
``root_client`` and ``root_async_client`` (files and batches).

Example::

    messages = input_messages(chat_model, "Hi")          # [HumanMessage("Hi")]
    llm_output = combined_llm_output(chat_model, [r.llm_output for r in results])
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

import openai
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models import _utils as _language_model_utils
from langchain_core.language_models import chat_models as _chat_models
from langchain_core.language_models.chat_models import _gen_info_and_msg_metadata
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from langchain_core.runnables import RunnableConfig
from langchain_core.utils.utils import LC_ID_PREFIX
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models import base as _chat_openai_base
from langchain_openai.chat_models.base import BaseChatOpenAI, _handle_openai_bad_request

from kluster_integrations.core.errors import KlusterTimeoutError

try:  # langchain-openai's error types (also langchain-core's), since 1.2 or so
    from langchain_openai.chat_models.base import (
        OpenAIAuthenticationError as OpenAIAuthenticationError,
    )
    from langchain_openai.chat_models.base import (
        OpenAIConnectionError as OpenAIConnectionError,
    )
    from langchain_openai.chat_models.base import (
        OpenAIModelNotFoundError as OpenAIModelNotFoundError,
    )
    from langchain_openai.chat_models.base import (
        OpenAIPermissionDeniedError as OpenAIPermissionDeniedError,
    )
except ImportError:  # pragma: no cover - older langchain-openai raised the SDK's own types
    OpenAIAuthenticationError = openai.AuthenticationError  # type: ignore[misc, assignment]
    OpenAIConnectionError = openai.APIConnectionError  # type: ignore[misc, assignment]
    OpenAIModelNotFoundError = openai.NotFoundError  # type: ignore[misc, assignment]
    OpenAIPermissionDeniedError = openai.PermissionDeniedError  # type: ignore[misc, assignment]

_T = TypeVar("_T")

#: ``ChatOpenAI`` hooks ``ChatKluster`` overrides, with their parameter names (``None``: a
#: property).
OVERRIDDEN_HOOKS: dict[str, list[str] | None] = {
    "_get_request_payload": ["self", "input_", "stop", "kwargs"],
    "_generate": ["self", "messages", "stop", "run_manager", "kwargs"],
    "_agenerate": ["self", "messages", "stop", "run_manager", "kwargs"],
    "_stream": ["self", "args", "kwargs"],
    "_astream": ["self", "args", "kwargs"],
    "_use_responses_api": ["self", "payload"],
    "_get_ls_params": ["self", "stop", "kwargs"],
    "_resolve_model_profile": ["self"],
    "_combine_llm_outputs": ["self", "llm_outputs"],
    "_default_params": None,
    "_llm_type": None,
}

#: ``ChatOpenAI`` methods called through this module, with their parameter names.
CALLED_METHODS: dict[str, list[str]] = {
    "_convert_input": ["self", "model_input"],
    "_get_invocation_params": ["self", "stop", "kwargs"],
    "_get_ls_params_with_defaults": ["self", "stop", "kwargs"],
    "_combine_llm_outputs": ["self", "llm_outputs"],
    "_create_chat_result": ["self", "response", "generation_info"],
    "_convert_chunk_to_generation_chunk": [
        "self",
        "chunk",
        "default_chunk_class",
        "base_generation_info",
    ],
}

#: Client attributes of ``ChatOpenAI`` that this package wraps or reads.
CHAT_OPENAI_CLIENTS = ("client", "async_client", "root_client", "root_async_client")

#: Client attributes of ``OpenAIEmbeddings`` that this package wraps.
EMBEDDINGS_CLIENTS = ("client", "async_client")


def input_messages(model: BaseChatModel, value: LanguageModelInput) -> list[BaseMessage]:
    """``value`` (a string, messages, a prompt value) as the messages ``model`` reads."""
    return list(model._convert_input(value).to_messages())


def message_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """``messages`` as ``ChatOpenAI._get_request_payload`` writes them into a body."""
    return [
        _message_dict(_v1_to_chat_completions(m)) if isinstance(m, AIMessage) else _message_dict(m)
        for m in messages
    ]


_message_dict = _chat_openai_base._convert_message_to_dict
_v1_to_chat_completions = _chat_openai_base._convert_from_v1_to_chat_completions
#: One message of each kind ``ChatOpenAI`` might treat differently inside a whole body.
_PROBE: tuple[BaseMessage, ...] = (
    SystemMessage("probe"),
    HumanMessage("probe", name="probe"),
    AIMessage("", tool_calls=[{"name": "probe", "args": {}, "id": "probe"}]),
    ToolMessage("probe", tool_call_id="probe"),
)


def writes_messages_alone(model: ChatOpenAI) -> bool:
    """Whether the body ``ChatOpenAI`` builds for ``model`` holds ``message_dicts`` of the
    messages (not so when it changes them as a whole, e.g. system messages made developer
    messages for o-series model names)."""
    body = ChatOpenAI._get_request_payload(model, list(_PROBE))
    return bool(body.get("messages") == message_dicts(_PROBE))


def combined_llm_output(
    model: BaseChatOpenAI, llm_outputs: Sequence[dict[str, Any] | None]
) -> dict[str, Any]:
    """The ``llm_output`` of several results as one (token usage summed)."""
    return model._combine_llm_outputs(list(llm_outputs))


def response_metadata(generation: ChatGeneration) -> dict[str, Any]:
    """The metadata ``BaseChatModel`` adds to a real-time result's message."""
    return _gen_info_and_msg_metadata(generation)


def chat_run_start(
    model: BaseChatModel,
    messages: list[BaseMessage],
    config: RunnableConfig,
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The keyword arguments of ``CallbackManager.configure`` and of its manager's
    ``on_chat_model_start`` with which ``invoke(messages, config, stop=stop, **kwargs)``
    starts its run (``kwargs`` as ``generate`` gets them, ``ls_structured_output_format``
    included)."""
    kwargs = dict(kwargs)
    structured = kwargs.pop("ls_structured_output_format", None) or kwargs.pop(
        "structured_output_format", None
    )
    params = model._get_invocation_params(stop=stop, **kwargs)
    configure = {
        "inheritable_callbacks": config.get("callbacks"),
        "local_callbacks": model.callbacks,
        "verbose": model.verbose,
        "inheritable_tags": config.get("tags"),
        "local_tags": model.tags,
        "inheritable_metadata": {
            **(config.get("metadata") or {}),
            **model._get_ls_params_with_defaults(stop=stop, **kwargs),
        },
        "local_metadata": model.metadata,
    }
    if _filter_for_tracing is not None:  # langchain-core 1.3 or so; not before
        configure["langsmith_inheritable_metadata"] = _filter_for_tracing(params)
    start = {
        "serialized": model._serialized,
        "messages": [_chat_models._format_for_tracing(messages)],
        "invocation_params": params,
        "options": {"stop": stop, **_chat_models._format_ls_structured_output(structured)},
        "name": config.get("run_name"),
        "run_id": config.get("run_id"),
        "batch_size": 1,
    }
    return configure, start


#: langchain-core's filter of invocation parameters for LangSmith (``None`` before it had one).
_filter_for_tracing: Callable[[dict[str, Any]], Any] | None = getattr(
    _language_model_utils, "_filter_invocation_params_for_tracing", None
)


def finished_generation(model: BaseChatModel, result: ChatResult, run_id: Any) -> ChatGeneration:
    """``result``'s one generation as ``invoke`` hands it over after its run ``run_id``:
    content blocks for ``output_version="v1"``, a run-based message id when the answer
    has none, ``response_metadata`` from the generation info and ``llm_output``."""
    generation = result.generations[0]
    if model.output_version == "v1":
        generation.message = _language_model_utils._update_message_content_to_blocks(
            generation.message, "v1"
        )
    if generation.message.id is None:
        generation.message.id = f"{LC_ID_PREFIX}-{run_id}-0"
    generation.message.response_metadata = {
        **(result.llm_output or {}),
        **_gen_info_and_msg_metadata(generation),
    }
    return generation


def error_result(error: BaseException) -> LLMResult:
    """What ``BaseChatModel.generate`` reports with ``on_llm_error`` for ``error``."""
    generations: list[Any] = _chat_models._generate_response_from_error(error)
    return LLMResult(generations=[generations])


def raise_as_chat_openai(error: openai.APIError) -> None:
    """Raise ``error`` as ``ChatOpenAI`` raises it (langchain-openai's types, which are also
    langchain-core's); returns where it has no such type. Call it in the ``except`` block
    that caught ``error`` (langchain-openai re-raises with a bare ``raise``)."""
    if isinstance(error, openai.BadRequestError):
        _handle_openai_bad_request(error)
    elif _handle_openai_api_error is not None:
        _handle_openai_api_error(error)


#: langchain-openai's mapping of the SDK's errors to its own (``None`` before it had one).
_handle_openai_api_error: Callable[[openai.APIError], None] | None = getattr(
    _chat_openai_base, "_handle_openai_api_error", None
)


def chunk_timeout(model: BaseChatOpenAI, chunks: AsyncIterator[_T]) -> AsyncIterator[_T]:
    """The server's chunks under langchain-openai's ``stream_chunk_timeout`` (its default,
    its environment variable or the field), as ``ChatOpenAI`` applies it."""
    timeout = getattr(model, "stream_chunk_timeout", None)
    if _chunk_timeout_wrapper is None or not timeout:
        return chunks
    return _own_timeouts(_chunk_timeout_wrapper(chunks, timeout, model_name=model.model_name))


async def _own_timeouts(chunks: AsyncIterator[_T]) -> AsyncIterator[_T]:
    """``chunks``, with the deadline and idle-stream errors raised as themselves: the
    chunk-timeout wrapper raises ``StreamChunkTimeoutError`` *from* any ``TimeoutError`` out
    of the stream; its own timeouts pass unchanged (``reliability/test_deadlines.py``)."""
    try:
        async for chunk in chunks:
            yield chunk
        return
    except TimeoutError as error:
        own = error.__cause__
        if not isinstance(own, KlusterTimeoutError):
            raise
    raise own  # outside the except block, so its traceback does not show the wrapper


def chat_result(
    model: BaseChatOpenAI, completion: Any, generation_info: dict[str, Any] | None
) -> ChatResult:
    """A whole answer made a ``ChatResult`` as ``ChatOpenAI`` makes it."""
    return model._create_chat_result(completion, generation_info)


def generation_chunk(
    model: BaseChatOpenAI, chunk: dict[str, Any], chunk_class: type, info: dict[str, Any]
) -> ChatGenerationChunk | None:
    """A streamed chunk (as a dict) made a ``ChatGenerationChunk`` as ``ChatOpenAI`` makes it."""
    return model._convert_chunk_to_generation_chunk(chunk, chunk_class, info)


_chunk_timeout_wrapper: Any = (
    getattr(
        importlib.import_module("langchain_openai.chat_models._client_utils"),
        "_astream_with_chunk_timeout",
        None,
    )
    if importlib.util.find_spec("langchain_openai.chat_models._client_utils")
    else None
)
