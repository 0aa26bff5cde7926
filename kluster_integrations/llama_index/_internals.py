"""Where ``KlusterLLM`` and ``KlusterEmbedding`` lean on LlamaIndex's private behaviour.

LlamaIndex offers no public hook for these few needs; each is checked by
``tests/llama_index/test_internals.py``, which goes red when LlamaIndex changes what is
relied on here.

- **LlamaIndex's own retries.** ``OpenAI._chat``, ``_stream_chat``, ``_achat`` and
  ``_astream_chat`` carry ``llm_retry_decorator`` (tenacity), which retries on top of the
  openai SDK's ``max_retries``: a failure cost (1 + n) * n requests. ``max_retries=0``
  would switch off the SDK's retries too, so ``without_llamaindex_retries`` takes the
  undecorated method that ``functools.wraps`` keeps in ``__wrapped__``. (``KlusterEmbedding``
  needs no such trick: ``OpenAIEmbedding._create_retry_decorator`` is an override point.)
- **Which parameters the user chose.** Only ``_get_model_kwargs`` sees a call's own
  keyword arguments, and only the client's ``chat.completions.create`` sees the whole
  request. LlamaIndex passes the dict ``_get_model_kwargs`` returns to ``create`` as keyword
  arguments unchanged, so the names travel under ``USER_CHOSEN_KEY``, which
  ``KlusterLLM._prepare`` removes before anything is sent.
- **Overridden private methods** of ``llama_index.llms.openai.OpenAI``, the extension points
  OpenAI-compatible integrations override: ``_get_model_kwargs(**kwargs)``,
  ``_get_client()``, ``_get_aclient()``, ``_prepare_chat_with_tools(tools, ...)``; called:
  ``_get_credential_kwargs(is_async=...)``, ``_get_response_token_counts(raw)``. Of
  ``OpenAIEmbedding``: ``_get_client()``, ``_get_aclient()``, ``_create_retry_decorator()``.

Example::

    _chat = without_llamaindex_retries(OpenAILike._chat)   # the SDK's retries only
    request[USER_CHOSEN_KEY] = frozenset({"temperature"})   # read back by _prepare
"""

from __future__ import annotations

from typing import Any

#: Key under which ``KlusterLLM._get_model_kwargs`` passes the names of the parameters the
#: user chose on to ``KlusterLLM._prepare``; never sent.
USER_CHOSEN_KEY = "__kluster_user_chosen_parameters__"

#: ``OpenAI`` methods wrapped in ``llm_retry_decorator`` that ``KlusterLLM`` uses unwrapped.
RETRIED_CHAT_METHODS = ("_chat", "_stream_chat", "_achat", "_astream_chat")


def without_llamaindex_retries(method: Any) -> Any:
    """``method`` without LlamaIndex's ``llm_retry_decorator`` (see the module docstring)."""
    return getattr(method, "__wrapped__", method)


#: ``llama_index.llms.openai.OpenAI`` methods ``KlusterLLM`` overrides or calls, with the
#: leading parameter names it relies on.
OPENAI_LLM_METHODS: dict[str, list[str]] = {
    "_get_model_kwargs": ["self", "kwargs"],
    "_get_client": ["self"],
    "_get_aclient": ["self"],
    "_get_credential_kwargs": ["self", "is_async"],
    "_get_response_token_counts": ["self", "raw_response"],
    "_prepare_chat_with_tools": ["self", "tools"],
    **{name: ["self", "messages", "kwargs"] for name in RETRIED_CHAT_METHODS},
}

#: ``OpenAIEmbedding`` methods ``KlusterEmbedding`` overrides, with their parameter names.
OPENAI_EMBEDDING_METHODS: dict[str, list[str]] = {
    "_get_client": ["self"],
    "_get_aclient": ["self"],
    "_create_retry_decorator": ["self"],
}
