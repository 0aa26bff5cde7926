"""``KlusterLLM.submit_batch`` and ``get_batch``: LlamaIndex chats on kluster.ai's Batch API.

Each input (a list of ``ChatMessage``, or a string taken as one user message) becomes the
request ``KlusterLLM.chat`` would send: the same message conversion, model kwargs and
request preparation. Each answer becomes the ``ChatResponse`` ``chat`` would return.

Example::

    job = KlusterLLM().submit_batch(["Hi", [ChatMessage(role="user", content="Bonjour")]])
    job.wait()
    [response.message.content for response in job.results()]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import openai
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.llms.openai.utils import from_openai_message, to_openai_message_dicts
from openai.types.chat import ChatCompletion

from kluster_integrations.core.batch import (
    BatchInputError,
    KlusterBatch,
    asubmit_requests,
    attach,
    submit_requests,
)

if TYPE_CHECKING:
    from kluster_integrations.llama_index.llms import KlusterLLM

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


def request_bodies(
    llm: KlusterLLM, inputs: Iterable[BatchInput], kwargs: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The request ``llm.chat`` would send for each input, built as the file is written."""
    for position, value in enumerate(inputs):
        messages = to_openai_message_dicts(as_messages(value, position), model=llm.model)
        yield llm._prepare(
            {"messages": messages, "stream": False, **llm._get_model_kwargs(**kwargs)}
        )


def converter(llm: KlusterLLM) -> Callable[[dict[str, Any]], ChatResponse]:
    modalities = llm.modalities or ["text"]

    def convert(body: dict[str, Any]) -> ChatResponse:
        completion = ChatCompletion.model_validate(body)
        return ChatResponse(
            message=from_openai_message(completion.choices[0].message, modalities=modalities),
            raw=completion,
            additional_kwargs=llm._get_response_token_counts(completion),
        )

    return convert


def clients(llm: KlusterLLM) -> tuple[openai.OpenAI, openai.AsyncOpenAI]:
    return (
        openai.OpenAI(**llm._get_credential_kwargs()),
        openai.AsyncOpenAI(**llm._get_credential_kwargs(is_async=True)),
    )


def submit_batch(
    llm: KlusterLLM,
    inputs: Iterable[BatchInput],
    *,
    completion_window: str,
    custom_ids: Sequence[str] | None,
    max_requests_per_batch: int | None,
    kwargs: dict[str, Any],
) -> KlusterBatch:
    client, async_client = clients(llm)
    return submit_requests(
        client,
        request_bodies(llm, inputs, kwargs),
        completion_window=completion_window,
        custom_ids=custom_ids,
        max_requests_per_batch=max_requests_per_batch,
        convert=converter(llm),
        async_client=async_client,
    )


async def asubmit_batch(
    llm: KlusterLLM,
    inputs: Iterable[BatchInput],
    *,
    completion_window: str,
    custom_ids: Sequence[str] | None,
    max_requests_per_batch: int | None,
    kwargs: dict[str, Any],
) -> KlusterBatch:
    client, async_client = clients(llm)
    return await asubmit_requests(
        client,
        async_client,
        request_bodies(llm, inputs, kwargs),
        completion_window=completion_window,
        custom_ids=custom_ids,
        max_requests_per_batch=max_requests_per_batch,
        convert=converter(llm),
    )


def get_batch(llm: KlusterLLM, batch_id: str) -> KlusterBatch:
    client, async_client = clients(llm)
    return attach(client, batch_id, async_client=async_client, convert=converter(llm))
