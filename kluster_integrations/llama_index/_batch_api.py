"""``KlusterLLM``'s methods for kluster.ai's Batch API: inputs and answers read as ``chat``
reads them.

``BatchAPIMethods`` gives ``KlusterLLM`` ``submit_batch`` / ``asubmit_batch`` / ``get_batch``.
Each input (a list of ``ChatMessage``, or a string taken as one user message) is checked
and made the request ``KlusterLLM.chat`` would send (``KlusterLLM._prepare``: the same
message conversion, model kwargs and request preparation); each answer becomes the
``ChatResponse`` ``chat`` returns, with the request's id in
``additional_kwargs["custom_id"]``. This module never imports ``KlusterLLM``.

Example::

    job = KlusterLLM().submit_batch(["Summarise: ...", "Summarise: ..."])
    job.wait()
    [r.message.content for r in job.results()]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import openai
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from kluster_integrations.core.answer import read_batch_answer
from kluster_integrations.core.batch_api import (
    BatchCodec,
    KlusterBatch,
    asubmit_inputs,
    attach,
    batch_body,
    submit_inputs,
)
from kluster_integrations.core.contract import DEFAULT_COMPLETION_WINDOW
from kluster_integrations.core.errors import BatchInputError
from kluster_integrations.llama_index._framework import credential_kwargs
from kluster_integrations.llama_index._responses import chat_response

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


class BatchAPIMethods:
    """The Batch API on a ``KlusterLLM`` (mixed into the class)."""

    def submit_batch(
        self,
        inputs: Sequence[Any],
        *,
        completion_window: str = DEFAULT_COMPLETION_WINDOW,
        custom_ids: Sequence[str] | None = None,
        max_requests_per_batch: int | None = None,
        **kwargs: Any,
    ) -> KlusterBatch:
        """Send ``inputs`` (lists of ``ChatMessage``, or strings taken as one user message)
        through kluster.ai's Batch API, each as ``chat`` would send it (``kwargs`` as for
        ``chat``). Returns a ``KlusterBatch``; ``.results()`` gives ``ChatResponse``
        objects in input order. ``completion_window``: one of
        ``core.contract.BATCH_COMPLETION_WINDOWS``.

        Example::

            job = KlusterLLM().submit_batch(["Summarise: ...", "Summarise: ..."])
            job.wait()
            [r.message.content for r in job.results()]
        """
        client, async_client = self._batch_clients()
        return submit_inputs(
            client,
            chat_inputs(inputs),
            self._batch_codec(kwargs),
            async_client=async_client,
            completion_window=completion_window,
            custom_ids=custom_ids,
            max_requests_per_batch=max_requests_per_batch,
        )

    async def asubmit_batch(
        self,
        inputs: Sequence[Any],
        *,
        completion_window: str = DEFAULT_COMPLETION_WINDOW,
        custom_ids: Sequence[str] | None = None,
        max_requests_per_batch: int | None = None,
        **kwargs: Any,
    ) -> KlusterBatch:
        """``submit_batch`` with the uploads on the async client."""
        client, async_client = self._batch_clients()
        return await asubmit_inputs(
            client,
            async_client,
            chat_inputs(inputs),
            self._batch_codec(kwargs),
            completion_window=completion_window,
            custom_ids=custom_ids,
            max_requests_per_batch=max_requests_per_batch,
        )

    def get_batch(self, batch_id: str) -> KlusterBatch:
        """Re-attach to a job by its ``id``; results are ``ChatResponse`` objects."""
        client, async_client = self._batch_clients()
        return attach(
            client, batch_id, async_client=async_client, convert=self._batch_codec({}).result_from
        )

    def _batch_codec(self, kwargs: dict[str, Any]) -> BatchCodec:
        """Each input's messages as the request ``chat`` would send, each answer as the
        ``ChatResponse`` it returns."""
        llm: Any = self

        def request_for(messages: list[ChatMessage]) -> dict[str, Any]:
            return batch_body(llm._prepare(messages, kwargs, stream=False))

        def result_from(body: dict[str, Any], custom_id: str) -> Any:
            answer = read_batch_answer(body, llm._reasoning_mode())
            response = chat_response(answer, llm.modalities or ["text"])
            response.additional_kwargs["custom_id"] = custom_id
            return response

        return BatchCodec(request_for=request_for, result_from=result_from)

    def _batch_clients(self) -> tuple[openai.OpenAI, openai.AsyncOpenAI]:
        llm: Any = self
        return (
            openai.OpenAI(**credential_kwargs(llm)),
            openai.AsyncOpenAI(**credential_kwargs(llm, is_async=True)),
        )
