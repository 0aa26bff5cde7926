"""``ChatKluster``'s methods for kluster.ai's Batch API, and its answers read as a real-time
call reads them.

``BatchAPIMethods`` gives ``ChatKluster`` ``submit_batch`` / ``asubmit_batch`` / ``get_batch``,
and ``with_batch_api`` (``_batch_runnable``: the model in a chain, its ``.batch()`` a job).
Each input becomes the request ``invoke`` would send (``ChatKluster._prepare``: the same
sanitizing, ``max_tokens`` renaming, ``model_kwargs`` and call kwargs; with ``schema=``
the schema put into the prompt as ``with_structured_output`` puts it); each answer body is
read by the core answer path and made the message a real-time call returns
(``_results.chat_result_of``: usage, response metadata, and the request's id in
``response_metadata["custom_id"]``), or parsed and validated as ``with_structured_output``
does (``KlusterBatch.results_by_id`` keys those by id). This module never imports
``ChatKluster``.

Example::

    job = llm.submit_batch(["Classify: great movie", "Classify: dull"])
    job.wait(poll_interval=30)
    labels = [m.content for m in job.results()]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage

from kluster_integrations.core.batch_api import (
    BatchCodec,
    KlusterBatch,
    asubmit_inputs,
    attach,
    submit_inputs,
)
from kluster_integrations.core.contract import DEFAULT_COMPLETION_WINDOW
from kluster_integrations.langchain._batch_lines import JobRequests
from kluster_integrations.langchain._batch_runnable import BatchAPIModel
from kluster_integrations.langchain._framework import response_metadata
from kluster_integrations.langchain._results import batch_chat_result
from kluster_integrations.langchain._structured_output import JsonReplyParser, target_for


class BatchAPIMethods:
    """The Batch API on a ``ChatKluster`` (mixed into the class)."""

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
        a ``KlusterBatch``: ``.wait()`` shows progress, ``.results()`` gives ``AIMessage``
        objects (or parsed objects) in input order. ``completion_window``: one of
        ``core.contract.BATCH_COMPLETION_WINDOWS``; ``custom_ids``: one unique id per
        input (default ``request-<index>``); ``max_requests_per_batch``: split into
        several batches (Trial accounts have a cap). Jobs are split at the file size cap.

        Example::

            job = llm.submit_batch(["Classify: great movie", "Classify: dull"])
            job.wait(poll_interval=30)
            labels = [m.content for m in job.results()]
        """
        return submit_inputs(
            self.root_client,  # type: ignore[attr-defined]
            inputs,
            self._batch_codec(schema, kwargs),
            async_client=self.root_async_client,  # type: ignore[attr-defined]
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
            self.root_client,  # type: ignore[attr-defined]
            self.root_async_client,  # type: ignore[attr-defined]
            inputs,
            self._batch_codec(schema, kwargs),
            completion_window=completion_window,
            custom_ids=custom_ids,
            max_requests_per_batch=max_requests_per_batch,
        )

    def with_batch_api(
        self,
        completion_window: str = DEFAULT_COMPLETION_WINDOW,
        *,
        poll_interval: float | None = None,
        progress: bool = False,
        max_requests_per_batch: int | None = None,
    ) -> BatchAPIModel:
        """This model for chains whose ``.batch()`` goes through kluster.ai's Batch API.

        The returned Runnable takes the model's place (``prompt | llm.with_batch_api() |
        parser``): ``.batch(inputs)`` / ``.abatch(inputs)`` send every input as one Batch
        API job (split as the limits require), wait for it, and return the answers in input
        order, as real-time ``.batch()`` returns them (``return_exceptions`` too); ``.invoke``
        is a job of one. Callbacks and tracing see one chat-model run per input.
        ``bind_tools`` (native tools, on tool models) and ``with_structured_output`` work on
        it; tools that would go into the prompt raise ``BatchInputError``.
        ``completion_window``: one of ``core.contract.BATCH_COMPLETION_WINDOWS``;
        ``poll_interval``: seconds between status requests (default: from 1 s to 30 s);
        ``progress``: a tqdm bar while waiting; ``max_requests_per_batch``: the plan's cap.

        Example::

            chain = prompt | llm.with_batch_api("24h") | StrOutputParser()
            summaries = chain.batch([{"text": t} for t in texts])
        """
        return BatchAPIModel(
            model=self,
            completion_window=completion_window,
            poll_interval=poll_interval,
            progress=progress,
            max_requests_per_batch=max_requests_per_batch,
        )

    def get_batch(self, batch_id: str, *, schema: Any = None) -> KlusterBatch:
        """Re-attach to a job by its ``id`` (from another process, or yesterday); its
        results are read as this model reads them (pass the same ``schema``)."""
        return attach(
            self.root_client,  # type: ignore[attr-defined]
            batch_id,
            async_client=self.root_async_client,  # type: ignore[attr-defined]
            convert=self._batch_codec(schema, {}).result_from,
        )

    def _batch_codec(self, schema: Any, kwargs: dict[str, Any]) -> BatchCodec:
        """Each input as the request ``invoke`` would send (the schema instruction added
        first, as ``with_structured_output`` adds it), each answer as ``invoke`` returns it
        (then parsed, with ``schema``)."""
        model: Any = self
        target = None if schema is None else target_for(schema)
        parser = None if target is None else JsonReplyParser(target=target)
        requests = JobRequests(model, kwargs, None if target is None else target.json_schema)

        def result_from(body: dict[str, Any], custom_id: str) -> Any:
            result = batch_chat_result(model, body)
            generation = result.generations[0]
            message = generation.message
            # What BaseChatModel does with a real-time result before handing it over.
            message.response_metadata = {
                **(result.llm_output or {}),
                **response_metadata(generation),
                "custom_id": custom_id,
            }
            if message.id is None and body.get("id"):
                message.id = str(body["id"])
            if parser is None:
                return message
            assert isinstance(message, AIMessage)
            return parser.parse(message.text)

        return BatchCodec(request_for=requests.body_for, result_from=result_from)
