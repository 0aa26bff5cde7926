"""The private parts of ``langchain_openai`` that ``ChatKluster`` and ``KlusterEmbeddings`` use.

langchain-openai's ``BaseChatOpenAI`` has no public hooks for changing a request or reading
an answer; these private methods are the extension points that partner packages built on it
(langchain-deepseek, langchain-xai) override too. They stay where they are used
(``chat_models.py``, ``embeddings.py``, ``tools.py``, ``batch.py``); this module lists them
with the signatures we call, and ``tests/langchain/test_internals.py`` goes red when
langchain-openai changes one of them.

Overridden on ``ChatOpenAI``:

- ``_get_request_payload(input_, *, stop=None, **kwargs)``: every request passes here
  (invoke, stream, batch, their async forms): the one place it is prepared;
- ``_create_chat_result(response, generation_info=None)``: every whole answer;
- ``_convert_chunk_to_generation_chunk(chunk, default_chunk_class, base_generation_info)``:
  every streamed chunk;
- ``_use_responses_api(payload)``: always ``False`` (kluster.ai has no Responses API);
- ``_default_params`` (a property): ``reasoning`` is this package's option, not a parameter;
- ``_resolve_model_profile()``: the catalog's capabilities as a ``ModelProfile``.

Called on ``ChatOpenAI``: ``_combine_llm_outputs(llm_outputs)`` (``n > 1``),
``_convert_input(model_input)`` (reasoning kept in history), ``_get_request_payload`` and
``_create_chat_result`` again for the Batch API. Replaced attributes: ``client`` and
``async_client`` (``root_client.chat.completions``, called as ``create(**payload)`` and
``with_raw_response.create(**payload)``) on the chat model and ``client`` /
``async_client`` (``root_client.embeddings``) on ``OpenAIEmbeddings``; read:
``root_client`` and ``root_async_client`` (files and batches).

Example::

    for name, parameters in CHAT_OPENAI_METHODS.items():
        assert list(inspect.signature(getattr(ChatOpenAI, name)).parameters) == parameters
"""

from __future__ import annotations

#: ``ChatOpenAI`` methods this package overrides or calls, with their parameter names.
CHAT_OPENAI_METHODS: dict[str, list[str]] = {
    "_get_request_payload": ["self", "input_", "stop", "kwargs"],
    "_create_chat_result": ["self", "response", "generation_info"],
    "_convert_chunk_to_generation_chunk": [
        "self",
        "chunk",
        "default_chunk_class",
        "base_generation_info",
    ],
    "_use_responses_api": ["self", "payload"],
    "_resolve_model_profile": ["self"],
    "_combine_llm_outputs": ["self", "llm_outputs"],
    "_convert_input": ["self", "model_input"],
}

#: Client attributes of ``ChatOpenAI`` that this package wraps or reads.
CHAT_OPENAI_CLIENTS = ("client", "async_client", "root_client", "root_async_client")

#: Client attributes of ``OpenAIEmbeddings`` that this package wraps.
EMBEDDINGS_CLIENTS = ("client", "async_client")
