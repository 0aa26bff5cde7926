"""Every private part of LlamaIndex that ``KlusterLLM`` and ``KlusterEmbedding`` use, in one
place.

Nothing else in ``kluster_integrations/llama_index`` names a private part of a library
(``tests/unit_tests/test_framework_boundary.py`` checks it);
``tests/integration_tests/llama_index/test_framework.py`` goes red when the installed
LlamaIndex changes one of them. pydantic's and the openai SDK's are in ``core/transport/_sdk.py``.

**Overridden hooks** (``LLM_HOOKS``, ``EMBEDDING_HOOKS``, with the parameters relied on):
the private methods of ``llama_index.llms.openai.OpenAI`` and ``OpenAIEmbedding`` that
OpenAI-compatible integrations override; a renamed one would silently stop being called.

- ``OpenAI._get_model_kwargs(**kwargs)``: the only place that sees a call's own keyword
  arguments. The names the user chose travel from there to the client's
  ``chat.completions.create`` under ``USER_CHOSEN_KEY`` (LlamaIndex passes the dict on as
  keyword arguments unchanged), and ``KlusterLLM._prepare`` removes the key before anything
  is sent. If LlamaIndex filtered the dict, no parameter would count as chosen.
- ``OpenAI._get_client()`` / ``_get_aclient()``: the client every request goes through.
- ``OpenAI._chat``, ``_stream_chat``, ``_achat``, ``_astream_chat`` (``self, messages,
  **kwargs``): history with reasoning, and LlamaIndex's own retries switched off (below).
- ``OpenAI._prepare_chat_with_tools(tools, ...)``, ``_structured_stream_call`` and
  ``_structured_astream_call(output_cls, prompt, llm_kwargs, **prompt_args)``.
- ``OpenAIEmbedding._get_client()``, ``_get_aclient()``, ``_create_retry_decorator()``
  (no tenacity layer: the SDK retries), and ``_get_text_embedding(text)``,
  ``_get_query_embedding(query)``, ``_get_text_embeddings(texts)`` and their ``_aget_``
  forms (inputs checked before they are sent).

**Called** (through the functions below; breaks if renamed or re-signatured):
``OpenAI._get_credential_kwargs(is_async=...)`` in ``credential_kwargs`` (the Batch API's
clients, built as the LLM's own) and ``OpenAI._get_response_token_counts(raw_response)``
in ``response_token_counts`` (a Batch API answer's usage, as ``chat`` reports it).

**LlamaIndex's own retries, skipped through ``__wrapped__``.** ``OpenAI``'s chat methods
carry ``llm_retry_decorator`` (tenacity), which retries openai's connection, timeout,
rate-limit and server errors on top of the openai SDK's ``max_retries`` (a failure cost
``(1 + n) * n`` requests) and builds a new retrier on every call (about 58 µs).
``max_retries=0`` would switch off the SDK's retries too, so ``without_llamaindex_retries``
takes the undecorated method the decorator keeps as ``__wrapped__`` (the method itself
when it is not wrapped). If LlamaIndex stops keeping it, the retry-count tests in
``test_framework.py`` and ``reliability/test_defaults.py`` go red.

Example::

    class KlusterLLM(OpenAILike):
        _chat = without_llamaindex_retries(OpenAILike, "_chat")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llama_index.llms.openai import OpenAI

#: Key under which ``KlusterLLM._get_model_kwargs`` passes the names of the parameters the
#: user chose on to ``KlusterLLM._prepare``; never sent.
USER_CHOSEN_KEY = "__kluster_user_chosen_parameters__"

#: ``OpenAI`` chat methods under ``llm_retry_decorator`` that ``KlusterLLM`` overrides.
RETRIED_CHAT_METHODS = ("_chat", "_stream_chat", "_achat", "_astream_chat")

#: ``llama_index.llms.openai.OpenAI`` hooks ``KlusterLLM`` overrides, with the leading
#: parameter names it relies on.
LLM_HOOKS: dict[str, list[str]] = {
    "_get_model_kwargs": ["self", "kwargs"],
    "_get_client": ["self"],
    "_get_aclient": ["self"],
    "_prepare_chat_with_tools": ["self", "tools"],
    "_structured_stream_call": ["self", "output_cls", "prompt", "llm_kwargs", "prompt_args"],
    "_structured_astream_call": ["self", "output_cls", "prompt", "llm_kwargs", "prompt_args"],
    **{name: ["self", "messages", "kwargs"] for name in RETRIED_CHAT_METHODS},
}

#: ``OpenAIEmbedding`` hooks ``KlusterEmbedding`` overrides, with their parameter names.
EMBEDDING_HOOKS: dict[str, list[str]] = {
    "_get_client": ["self"],
    "_get_aclient": ["self"],
    "_create_retry_decorator": ["self"],
    "_get_text_embedding": ["self", "text"],
    "_aget_text_embedding": ["self", "text"],
    "_get_query_embedding": ["self", "query"],
    "_aget_query_embedding": ["self", "query"],
    "_get_text_embeddings": ["self", "texts"],
    "_aget_text_embeddings": ["self", "texts"],
}

#: Every private hook overridden in this adapter.
OVERRIDDEN_HOOKS = {**LLM_HOOKS, **EMBEDDING_HOOKS}

#: ``OpenAI`` methods called through this module, with their parameter names.
CALLED_METHODS: dict[str, list[str]] = {
    "_get_credential_kwargs": ["self", "is_async"],
    "_get_response_token_counts": ["self", "raw_response"],
}


def credential_kwargs(llm: OpenAI, *, is_async: bool = False) -> dict[str, Any]:
    """The keyword arguments ``llm`` builds its own openai client with."""
    return llm._get_credential_kwargs(is_async=is_async)


def response_token_counts(llm: OpenAI, raw_response: Any) -> dict[str, Any]:
    """The token counts ``llm`` reports for an answer (``additional_kwargs``)."""
    return llm._get_response_token_counts(raw_response)


def without_llamaindex_retries(owner: type, name: str) -> Callable[..., Any]:
    """``owner.<name>`` (one of ``OpenAI``'s chat methods) without LlamaIndex's own retry
    decorator, which it keeps as ``__wrapped__``: the openai SDK already retries each
    request, and the decorator builds a new tenacity retrier on every call (about 58 µs)
    and retries on top of the SDK's retries. The method itself when it is not wrapped."""
    method = getattr(owner, name)
    return cast(Callable[..., Any], getattr(method, "__wrapped__", method))
