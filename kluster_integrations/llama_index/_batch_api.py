"""``KlusterLLM``'s inputs and answers on kluster.ai's Batch API, read as ``chat`` reads them.

Each input (a list of ``ChatMessage``, or a string taken as one user message) is checked
and made messages (``chat_inputs``), then the request ``KlusterLLM.chat`` would send: the
same message conversion, model kwargs and request preparation. Each answer becomes the
``ChatResponse`` ``chat`` would return. This module never imports ``KlusterLLM``: the model
builds its ``BatchCodec`` with ``chat_codec``, handing over its own parts.

Example::

    codec = chat_codec(model=llm.model, model_kwargs=..., prepare=..., token_counts=...,
                       modalities=["text"])       # as KlusterLLM._batch_codec builds it
    job = submit_inputs(client, chat_inputs(["Hi", "Bonjour"]), codec)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.llms.openai.utils import from_openai_message, to_openai_message_dicts
from openai.types.chat import ChatCompletion

from kluster_integrations.core.batch_api import BatchCodec
from kluster_integrations.core.errors import BatchInputError

BatchInput = str | Sequence[ChatMessage]


def as_messages(value: BatchInput, position: int) -> list[ChatMessage]:
    if isinstance(value, str):
        return [ChatMessage(role=MessageRole.USER, content=value)]
    messages = (
        [m for m in value if isinstance(m, ChatMessage)] if isinstance(value, Sequence) else []
    )
    if not messages or len(messages) != len(value):
        raise BatchInputError(
            f"input {position} is {type(value).__name__}, not a string or a "
            "non-empty list of ChatMessage",
            "Pass strings or lists of llama_index ChatMessage.",
        )
    return messages


def chat_inputs(inputs: Iterable[BatchInput]) -> Iterator[list[ChatMessage]]:
    """Each input as messages, checked as the batch file is written."""
    for position, value in enumerate(inputs):
        yield as_messages(value, position)


def chat_codec(
    *,
    model: str,
    model_kwargs: Callable[[], dict[str, Any]],
    prepare: Callable[[dict[str, Any]], dict[str, Any]],
    token_counts: Callable[[ChatCompletion], dict[str, Any]],
    modalities: list[str],
) -> BatchCodec:
    """The codec ``KlusterLLM`` hands the batch engine, from its own parts: one input's
    messages made the request ``chat`` sends (``model_kwargs`` for the call, then
    ``prepare``), an answer the ``ChatResponse`` ``chat`` returns (with ``token_counts``)."""

    def request_for(messages: list[ChatMessage]) -> dict[str, Any]:
        dicts = to_openai_message_dicts(messages, model=model)
        return prepare({"messages": dicts, "stream": False, **model_kwargs()})

    def result_from(body: dict[str, Any]) -> ChatResponse:
        completion = ChatCompletion.model_validate(body)
        return ChatResponse(
            message=from_openai_message(completion.choices[0].message, modalities=modalities),
            raw=completion,
            additional_kwargs=token_counts(completion),
        )

    return BatchCodec(request_for=request_for, result_from=result_from)
