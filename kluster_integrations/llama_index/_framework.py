"""Every private part of LlamaIndex that ``KlusterLLM`` and ``KlusterEmbedding`` use, in one
place.

Nothing else in ``kluster_integrations/llama_index`` names a private part of a library
(``tests/unit_tests/test_framework_boundary.py`` checks it);
``tests/integration_tests/llama_index/test_framework.py`` goes red when the installed
LlamaIndex changes one of them. pydantic's and the openai SDK's are in ``core/transport/_sdk.py``.

**Overridden hooks** (``LLM_HOOKS``, ``EMBEDDING_HOOKS``, with the parameters relied on):
the private methods of ``llama_index.llms.openai.OpenAI`` and ``OpenAIEmbedding`` that
OpenAI-compatible integrations override; a renamed one would silently stop being called.

- ``OpenAI._get_model_kwargs(**kwargs)``: a call's parameters (the constructor's max_tokens
  no longer wins over the call's).
- ``OpenAI._chat``, ``_stream_chat``, ``_achat``, ``_astream_chat`` (``self, messages,
  **kwargs``): each request built, prepared once and sent through the core answer path
  (LlamaIndex's own retry decorator on these is not run: the openai SDK retries).
- ``OpenAI._prepare_chat_with_tools(tools, ...)``, ``_structured_stream_call`` and
  ``_structured_astream_call(output_cls, prompt, llm_kwargs, **prompt_args)``.
- ``OpenAIEmbedding._get_client()``, ``_get_aclient()``, ``_create_retry_decorator()``
  (no tenacity layer: the SDK retries), and ``_get_text_embedding(text)``,
  ``_get_query_embedding(query)``, ``_get_text_embeddings(texts)`` and their ``_aget_``
  forms (inputs checked before they are sent).
- ``PromptMixin._get_prompts()`` and ``_update_prompts(prompts_dict)``, abstract on
  ``BaseEvaluator`` (``EVALUATOR_HOOKS``): ``KlusterVerifyEvaluator`` has no prompts.

**Called** (through the functions below; breaks if renamed or re-signatured):
``OpenAI._get_credential_kwargs(is_async=...)`` in ``credential_kwargs`` (the Batch API's
clients, built as the LLM's own); ``OpenAI._get_client()`` / ``_get_aclient()`` are called
as the LLM's own methods (the client every request goes through).

**Public parts that not every supported version has**: ``ToolCallBlock`` (llama-index-core
0.14.x), in ``tool_call_blocks``: streamed tool calls as blocks, as llama-index-llms-openai
puts them, when the installed core has the class.

Example::

    client_options = credential_kwargs(llm, is_async=True)
    blocks = tool_call_blocks(tool_calls)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms import types as llm_types
from llama_index.llms.openai import OpenAI

#: ``OpenAI`` chat methods ``KlusterLLM`` replaces.
CHAT_METHODS = ("_chat", "_stream_chat", "_achat", "_astream_chat")

#: ``llama_index.llms.openai.OpenAI`` hooks ``KlusterLLM`` overrides, with the leading
#: parameter names it relies on.
LLM_HOOKS: dict[str, list[str]] = {
    "_get_model_kwargs": ["self", "kwargs"],
    "_prepare_chat_with_tools": ["self", "tools"],
    "_structured_stream_call": ["self", "output_cls", "prompt", "llm_kwargs", "prompt_args"],
    "_structured_astream_call": ["self", "output_cls", "prompt", "llm_kwargs", "prompt_args"],
    **{name: ["self", "messages", "kwargs"] for name in CHAT_METHODS},
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

#: ``BaseEvaluator`` (``PromptMixin``) hooks ``KlusterVerifyEvaluator`` must define.
EVALUATOR_HOOKS: dict[str, list[str]] = {
    "_get_prompts": ["self"],
    "_update_prompts": ["self", "prompts_dict"],
}

#: Every private hook overridden in this adapter.
OVERRIDDEN_HOOKS = {**LLM_HOOKS, **EMBEDDING_HOOKS, **EVALUATOR_HOOKS}

#: ``OpenAI`` methods called through this module, with their parameter names.
CALLED_METHODS: dict[str, list[str]] = {
    "_get_credential_kwargs": ["self", "is_async"],
    "_get_client": ["self"],
    "_get_aclient": ["self"],
}


def credential_kwargs(llm: OpenAI, *, is_async: bool = False) -> dict[str, Any]:
    """The keyword arguments ``llm`` builds its own openai client with."""
    return llm._get_credential_kwargs(is_async=is_async)


def tool_call_blocks(tool_calls: Sequence[Any]) -> list[Any]:
    """Streamed tool calls as ``ToolCallBlock`` s, as llama-index-llms-openai adds them
    (none when the installed llama-index-core has no such block)."""
    if _TOOL_CALL_BLOCK is None:
        return []
    return [
        _TOOL_CALL_BLOCK(
            tool_call_id=call.id,
            tool_kwargs=call.function.arguments or {},
            tool_name=call.function.name or "",
        )
        for call in tool_calls
        if call.function
    ]


_TOOL_CALL_BLOCK: Any = getattr(llm_types, "ToolCallBlock", None)
