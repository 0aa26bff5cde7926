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

- ``_get_request_payload(input_, *, stop=None, **kwargs)``: every request passes here
  (invoke, stream, batch, their async forms): the one place it is prepared;
- ``_create_chat_result(response, generation_info=None)``: every whole answer;
- ``_convert_chunk_to_generation_chunk(chunk, default_chunk_class, base_generation_info)``:
  every streamed chunk;
- ``_generate`` / ``_agenerate`` (``n > 1`` as one request per completion),
  ``_stream`` / ``_astream`` (no ``stream_options``; stream guards);
- ``_use_responses_api(payload)``: always ``False`` (kluster.ai has no Responses API);
- ``_default_params`` and ``_llm_type`` (properties); ``_get_ls_params(stop, **kwargs)``;
- ``_resolve_model_profile()``: the catalog's capabilities as a ``ModelProfile``.

**Called** (through the functions below; breaks if renamed or re-signatured):

- ``BaseChatModel._convert_input(model_input)`` (langchain-core), in ``input_messages``:
  any ``LanguageModelInput`` as messages, exactly as the model itself reads it (reasoning
  kept in history, the schema instruction of structured output);
- ``BaseChatOpenAI._combine_llm_outputs(llm_outputs)`` (langchain-openai), in
  ``combined_llm_output``: token usage summed over the ``n > 1`` requests;
- ``langchain_core.language_models.chat_models._gen_info_and_msg_metadata(generation)``,
  in ``response_metadata``: the ``response_metadata`` a real-time call gives a message
  (it leaves out LangChain's gateway key), so a Batch API answer carries the same.

**Replaced or read attributes** (public fields, listed because the test checks their
type): ``client`` and ``async_client`` (``root_client.chat.completions``, called as
``create(**payload)`` and ``with_raw_response.create(**payload)``) on the chat model and
``client`` / ``async_client`` (``root_client.embeddings``) on ``OpenAIEmbeddings``; read:
``root_client`` and ``root_async_client`` (files and batches).

Example::

    messages = input_messages(chat_model, "Hi")          # [HumanMessage("Hi")]
    llm_output = combined_llm_output(chat_model, [r.llm_output for r in results])
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.chat_models import _gen_info_and_msg_metadata
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk
from langchain_openai.chat_models.base import BaseChatOpenAI

from kluster_integrations.core.errors import KlusterTimeoutError

#: ``ChatOpenAI`` hooks ``ChatKluster`` overrides, with their parameter names (``None``: a
#: property).
OVERRIDDEN_HOOKS: dict[str, list[str] | None] = {
    "_get_request_payload": ["self", "input_", "stop", "kwargs"],
    "_create_chat_result": ["self", "response", "generation_info"],
    "_convert_chunk_to_generation_chunk": [
        "self",
        "chunk",
        "default_chunk_class",
        "base_generation_info",
    ],
    "_generate": ["self", "messages", "stop", "run_manager", "kwargs"],
    "_agenerate": ["self", "messages", "stop", "run_manager", "kwargs"],
    "_stream": ["self", "args", "kwargs"],
    "_astream": ["self", "args", "kwargs"],
    "_use_responses_api": ["self", "payload"],
    "_get_ls_params": ["self", "stop", "kwargs"],
    "_resolve_model_profile": ["self"],
    "_default_params": None,
    "_llm_type": None,
}

#: ``ChatOpenAI`` methods called through this module, with their parameter names.
CALLED_METHODS: dict[str, list[str]] = {
    "_convert_input": ["self", "model_input"],
    "_combine_llm_outputs": ["self", "llm_outputs"],
}

#: Client attributes of ``ChatOpenAI`` that this package wraps or reads.
CHAT_OPENAI_CLIENTS = ("client", "async_client", "root_client", "root_async_client")

#: Client attributes of ``OpenAIEmbeddings`` that this package wraps.
EMBEDDINGS_CLIENTS = ("client", "async_client")


def input_messages(model: BaseChatModel, value: LanguageModelInput) -> list[BaseMessage]:
    """``value`` (a string, messages, a prompt value) as the messages ``model`` reads."""
    return list(model._convert_input(value).to_messages())


def combined_llm_output(
    model: BaseChatOpenAI, llm_outputs: Sequence[dict[str, Any] | None]
) -> dict[str, Any]:
    """The ``llm_output`` of several results as one (token usage summed)."""
    return model._combine_llm_outputs(list(llm_outputs))


def response_metadata(generation: ChatGeneration) -> dict[str, Any]:
    """The metadata ``BaseChatModel`` adds to a real-time result's message."""
    return _gen_info_and_msg_metadata(generation)


async def own_stream_timeouts(
    chunks: AsyncIterator[ChatGenerationChunk],
) -> AsyncIterator[ChatGenerationChunk]:
    """``chunks``, with the deadline and idle-stream errors raised as themselves.

    Relies on how langchain-openai's private ``_astream_with_chunk_timeout`` (behind
    ``stream_chunk_timeout``) raises: it takes any ``TimeoutError`` out of the stream for its
    own and raises ``StreamChunkTimeoutError`` *from* it (naming its own limit); its own
    timeouts pass unchanged. ``reliability/test_deadlines.py`` goes red if that changes."""
    try:
        async for chunk in chunks:
            yield chunk
        return
    except TimeoutError as error:
        own = error.__cause__
        if not isinstance(own, KlusterTimeoutError):
            raise
    raise own  # outside the except block, so its traceback does not show the wrapper
