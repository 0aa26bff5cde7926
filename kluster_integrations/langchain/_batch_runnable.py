"""``ChatKluster.with_batch_api()``: the model in a chain, its ``.batch()`` one Batch API job.

``BatchAPIModel`` takes a model's place in a chain (``prompt | llm.with_batch_api() |
parser``). ``.batch(inputs)`` / ``.abatch(inputs)`` prepare every input as ``invoke`` would
(``_batch_lines.JobRequests``), submit them as one job (split at the file size cap, or at
``max_requests_per_batch``), wait for it, and return the answers in input order, each
exactly as the model's real-time ``.batch()`` returns it; ``return_exceptions=True`` puts
each failure at its input's place. ``.invoke`` is a batch of one. Callbacks and tracers see
what they see for real-time ``.batch()``: one chat-model run per input, started before the
job is submitted and ended with its answer or error (``_framework.chat_run_start``).

An input that cannot be prepared (bad text, an image for a model without vision) fails
before anything is sent: with ``return_exceptions=False`` nothing is sent at all, with
``True`` the other inputs go. A failure of the whole job (the upload, or the status
requests) is every unanswered input's error. The job's id is logged (logger
``kluster_integrations``, level INFO) when it starts, so an interrupted wait can be picked up
with ``ChatKluster().get_batch(id)``.

Example::

    chain = prompt | llm.with_batch_api(poll_interval=60) | StrOutputParser()
    labels = chain.batch([{"review": r} for r in reviews], return_exceptions=True)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from langchain_core.callbacks import AsyncCallbackManager, CallbackManager
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult, LLMResult
from langchain_core.runnables import (
    Runnable,
    RunnableBinding,
    RunnableConfig,
    RunnableLambda,
    RunnableSequence,
    RunnableSerializable,
)
from langchain_core.runnables.config import get_config_list
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import ConfigDict, Field

from kluster_integrations.core.batch_api import (
    KlusterBatch,
    asubmit_requests,
    check_completion_window,
    prompted_tools_error,
    submit_requests,
)
from kluster_integrations.core.contract import DEFAULT_COMPLETION_WINDOW
from kluster_integrations.core.errors import BatchInputError
from kluster_integrations.core.tools import model_capabilities
from kluster_integrations.langchain._batch_lines import JobRequests
from kluster_integrations.langchain._framework import (
    chat_run_start,
    error_result,
    finished_generation,
)
from kluster_integrations.langchain._results import batch_chat_result
from kluster_integrations.langchain._structured_output import (
    check_structured_arguments,
    prompted_structured_parts,
)

logger = logging.getLogger("kluster_integrations")


class BatchAPIModel(RunnableSerializable[LanguageModelInput, BaseMessage]):
    """A ``ChatKluster`` answering through kluster.ai's Batch API (``with_batch_api``).

    Example::

        chain = prompt | llm.with_batch_api() | StrOutputParser()
        chain.batch(inputs)          # one Batch API job for every input
    """

    model: BaseChatOpenAI
    """The ``ChatKluster`` whose requests are sent (its parameters, tools, reasoning)."""
    completion_window: str = DEFAULT_COMPLETION_WINDOW
    """Within how long kluster.ai answers (``core.contract.BATCH_COMPLETION_WINDOWS``)."""
    poll_interval: float | None = Field(default=None, gt=0)
    """Seconds between status requests (``None``: from 1 s, growing to 30 s)."""
    progress: bool = False
    """Show a tqdm bar of completed requests while waiting."""
    max_requests_per_batch: int | None = Field(default=None, ge=1)
    """Split the job into batches of at most this many requests (Trial accounts: 999)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def __init__(self, **kwargs: Any) -> None:
        check_completion_window(kwargs.get("completion_window", DEFAULT_COMPLETION_WINDOW))
        super().__init__(**kwargs)

    @property
    def InputType(self) -> Any:
        return self.model.InputType

    @property
    def OutputType(self) -> Any:
        return self.model.OutputType

    # --- one job for every input --------------------------------------------------------

    def invoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> BaseMessage:
        """A job of one: the answer, or the input's error raised."""
        return self.batch([input], config, **kwargs)[0]

    async def ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> BaseMessage:
        return (await self.abatch([input], config, **kwargs))[0]

    def batch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Every input's answer in input order, from one Batch API job (``kwargs`` as for
        ``invoke``); see the module docstring."""
        if not inputs:
            return []
        call = _JobCall(self, kwargs, return_exceptions)
        for value, run_config in zip(inputs, get_config_list(config, len(inputs)), strict=True):
            item, messages = call.add(value)
            if messages is not None:
                configure, start = call.run_start(messages, run_config)
                (item.run,) = CallbackManager.configure(**configure).on_chat_model_start(**start)
                call.prepare(item, messages)
                if item.failed:
                    item.run.on_llm_error(item.outcome, response=error_result(item.outcome))
        for item, error in call.unsent():
            item.run.on_llm_error(error, response=error_result(error))
        sent = call.sent()
        if sent:
            try:
                job = call.submit(sent)
                job.wait(poll_interval=self.poll_interval, progress=self.progress)
                for item, result in zip(sent, job.iter_results(), strict=True):
                    call.finish(item, result)
                    if item.failed:
                        item.run.on_llm_error(item.outcome, response=error_result(item.outcome))
                    else:
                        item.run.on_llm_end(item.llm_result)
            except BaseException as error:
                for item in call.unfinished(sent, error):
                    item.run.on_llm_error(error, response=error_result(error))
                call.raise_unless_returned(error)
        return call.outputs()

    async def abatch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """``batch`` for async code: uploads, waits and downloads on the async client."""
        if not inputs:
            return []
        call = _JobCall(self, kwargs, return_exceptions)
        for value, run_config in zip(inputs, get_config_list(config, len(inputs)), strict=True):
            item, messages = call.add(value)
            if messages is not None:
                configure, start = call.run_start(messages, run_config)
                manager = AsyncCallbackManager.configure(**configure)
                (item.run,) = await manager.on_chat_model_start(**start)
                call.prepare(item, messages)
                if item.failed:
                    await item.run.on_llm_error(item.outcome, response=error_result(item.outcome))
        for item, error in call.unsent():
            await item.run.on_llm_error(error, response=error_result(error))
        sent = call.sent()
        if sent:
            try:
                job = await call.asubmit(sent)
                await job.async_wait(poll_interval=self.poll_interval, progress=self.progress)
                results = await job.aresults(return_exceptions=True)
                for item, result in zip(sent, results, strict=True):
                    call.finish(item, result)
                    if item.failed:
                        await item.run.on_llm_error(
                            item.outcome, response=error_result(item.outcome)
                        )
                    else:
                        await item.run.on_llm_end(item.llm_result)
            except BaseException as error:
                for item in call.unfinished(sent, error):
                    await item.run.on_llm_error(error, response=error_result(error))
                call.raise_unless_returned(error)
        return call.outputs()

    def batch_as_completed(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Any]]:
        """``batch``'s answers with their input's index (the job finishes as a whole)."""
        configs = config if config is None or isinstance(config, dict) else list(config)
        outputs = self.batch(list(inputs), configs, return_exceptions=return_exceptions, **kwargs)
        yield from enumerate(outputs)

    async def abatch_as_completed(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Any]]:
        configs = config if config is None or isinstance(config, dict) else list(config)
        outputs = await self.abatch(
            list(inputs), configs, return_exceptions=return_exceptions, **kwargs
        )
        for pair in enumerate(outputs):
            yield pair

    # --- tools and structured output on top -------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: dict | str | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, BaseMessage]:
        """Tools bound as ``ChatKluster.bind_tools`` binds them, sent natively in each batch
        line; a model whose tools would go into the prompt raises ``BatchInputError`` (the
        Batch API cannot read replies back as tool calls)."""
        binding: Any = self.model.bind_tools(tools, tool_choice=tool_choice, **kwargs)
        self._require_native_tools()
        return self.bind(**binding.kwargs)

    def with_structured_output(
        self,
        schema: Any = None,
        *,
        method: str = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        tools: list | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """``ChatKluster.with_structured_output`` through the Batch API: the schema in the
        prompt (``"json_schema"``, ``"json_mode"``), or as a native tool
        (``"function_calling"`` on a tool model; elsewhere ``BatchInputError``)."""
        model: Any = self.model
        check_structured_arguments(model, tools, kwargs)
        if method == "function_calling" and model.tool_calling != "off" and schema is not None:
            self._require_native_tools()
            # ChatOpenAI's own: the model with the schema bound as a tool, then a parser.
            stock = model.with_structured_output(
                schema, method="function_calling", strict=strict, tools=tools
            )
            if not isinstance(stock, RunnableSequence) or not isinstance(
                stock.first, RunnableBinding
            ):
                raise TypeError(f"unexpected with_structured_output result: {stock!r}")
            llm: Runnable[Any, Any] = self.bind(**stock.first.kwargs)
            parser: Runnable[Any, Any] = stock.last
        else:
            llm, parser = prompted_structured_parts(
                model, schema, method=method, strict=strict, runner=self
            )
        if not include_raw:
            return llm | parser
        return llm | RunnableLambda(partial(_raw_and_parsed, parser))

    def _require_native_tools(self) -> None:
        model: Any = self.model
        if "tools" not in model_capabilities(model.tool_calling, model.model_name):
            raise prompted_tools_error()


def _raw_and_parsed(parser: Runnable[Any, Any], message: BaseMessage) -> dict[str, Any]:
    """``include_raw=True``'s dict, made in one step (LangChain's ``RunnableMap`` form
    would run the model once per input, not as one job)."""
    try:
        return {"raw": message, "parsed": parser.invoke(message), "parsing_error": None}
    except Exception as error:  # as LangChain's fallback catches it
        return {"raw": message, "parsed": None, "parsing_error": error}


def _bodies(sent: list[_Item]) -> Iterator[dict[str, Any]]:
    """The items' bodies, each let go once the engine has written it."""
    for item in sent:
        body, item.body = item.body, None
        assert body is not None
        yield body


@dataclass
class _Item:
    """One input: its run and request body (until written), then its answer or error."""

    index: int
    run: Any = None
    body: dict[str, Any] | None = None
    outcome: Any = None
    llm_result: LLMResult | None = None
    done: bool = False

    @property
    def failed(self) -> bool:
        return isinstance(self.outcome, BaseException)


class _JobCall:
    """One ``batch`` call: its inputs' items, their requests and how answers are read."""

    def __init__(self, runnable: BatchAPIModel, kwargs: dict[str, Any], return_exceptions: bool):
        self.runnable = runnable
        self.model: Any = runnable.model
        self.stop = kwargs.get("stop")
        self.run_kwargs = {k: v for k, v in kwargs.items() if k != "stop"}
        request_kwargs = {
            k: v
            for k, v in kwargs.items()
            if k not in ("ls_structured_output_format", "structured_output_format")
        }
        self.requests = JobRequests(self.model, request_kwargs)
        self.return_exceptions = return_exceptions
        self.items: list[_Item] = []
        #: The input error that kept the job from being sent (``return_exceptions=False``).
        self.raised: BaseException | None = None

    def add(self, value: LanguageModelInput) -> tuple[_Item, list[BaseMessage] | None]:
        """A new item for ``value``, and ``value`` read as the model reads it (``None``:
        it cannot be, and the item failed with no run, as ``invoke`` fails before one)."""
        item = _Item(len(self.items))
        self.items.append(item)
        try:
            return item, self.requests.messages(value)
        except Exception as error:
            item.outcome, item.done = error, True
            return item, None

    def run_start(self, messages: list[BaseMessage], config: RunnableConfig) -> tuple[dict, dict]:
        return chat_run_start(self.model, messages, config, self.stop, self.run_kwargs)

    def prepare(self, item: _Item, messages: list[BaseMessage]) -> None:
        """The item's request body, or its error (before anything is sent)."""
        try:
            item.body = self.requests.body_for_messages(messages)
        except Exception as error:
            item.outcome, item.done = error, True

    def unsent(self) -> Iterator[tuple[_Item, BaseException]]:
        """With ``return_exceptions=False`` and an input that failed, nothing is sent: each
        prepared item, with the error that ends its run."""
        if self.return_exceptions:
            return
        first = next((i for i, item in enumerate(self.items) if item.failed), None)
        if first is None:
            return
        error = BatchInputError(
            f"input {first} could not be prepared ({type(self.items[first].outcome).__name__})"
            ", so no input was sent",
            "Fix that input, or pass return_exceptions=True to send the others.",
        )
        self.raised = self.items[first].outcome
        for item in self.items:
            if item.body is not None:
                item.body, item.outcome, item.done = None, error, True
                yield item, error

    def sent(self) -> list[_Item]:
        return [item for item in self.items if item.body is not None]

    def job_options(self, sent: list[_Item]) -> dict[str, Any]:
        runnable = self.runnable
        return {
            "completion_window": runnable.completion_window,
            # request-<input index>, as the engine numbers them when every input is sent
            "custom_ids": None
            if len(sent) == len(self.items)
            else [f"request-{item.index}" for item in sent],
            "max_requests_per_batch": runnable.max_requests_per_batch,
            "convert": partial(batch_chat_result, self.model),
        }

    def submit(self, sent: list[_Item]) -> KlusterBatch:
        """The job of the ``sent`` items, written, uploaded and started."""
        job = submit_requests(
            self.model.root_client,
            _bodies(sent),
            async_client=self.model.root_async_client,
            **self.job_options(sent),
        )
        logger.info("kluster.ai Batch API job %s: %d requests", job.id, len(sent))
        return job

    async def asubmit(self, sent: list[_Item]) -> KlusterBatch:
        """``submit`` with the uploads on the async client."""
        job = await asubmit_requests(
            self.model.root_client,
            self.model.root_async_client,
            _bodies(sent),
            **self.job_options(sent),
        )
        logger.info("kluster.ai Batch API job %s: %d requests", job.id, len(sent))
        return job

    def finish(self, item: _Item, result: ChatResult | BaseException) -> None:
        """The item's answer as ``invoke`` returns it (or its error)."""
        item.done = True
        if isinstance(result, BaseException):
            item.outcome = result
            return
        generation = finished_generation(self.model, result, item.run.run_id)
        item.outcome = generation.message
        item.llm_result = LLMResult(generations=[[generation]], llm_output=result.llm_output)

    def unfinished(self, sent: list[_Item], error: BaseException) -> Iterator[_Item]:
        """The items the job's failure leaves without an answer, now failed with it."""
        for item in sent:
            if not item.done:
                item.outcome, item.done = error, True
                yield item

    def raise_unless_returned(self, error: BaseException) -> None:
        if not self.return_exceptions or not isinstance(error, Exception):
            raise error

    def outputs(self) -> list[Any]:
        """The outcomes in input order; without ``return_exceptions`` the first error."""
        outcomes = [item.outcome for item in self.items]
        if self.raised is not None:
            raise self.raised
        if not self.return_exceptions:
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
        return outcomes
