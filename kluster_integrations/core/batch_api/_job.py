"""``KlusterBatch``: one job of chat requests on kluster.ai's Batch API.

A job is one or more kluster batches (a large job is split at 100 MB or a request cap);
its ``id`` is the batch id, or the batch ids joined by ``+``. It can be re-attached from
another process with that id. ``convert`` turns each chat completion into what the
adapter returns (an ``AIMessage``, a ``ChatResponse``, a parsed object), given the
request's ``custom_id`` too; without it the results are the chat-completion dicts.

Example::

    job = llm.submit_batch(["Hi", "Bonjour"], custom_ids=["greet-en", "greet-fr"])
    job.wait(poll_interval=5)            # tqdm progress bar, completed / total
    answers = job.results()              # input order
    job.custom_ids                       # ["greet-en", "greet-fr"], submission order
    job.results_by_id()["greet-fr"]      # the same answers, by custom_id
    # in async code ("await" is a keyword, hence async_wait):
    await job.async_wait(); answers = await job.aresults()
    job.cost().total_usd                 # USD at the completion window's prices

Results are priced at their batch's completion window (``core.cost``): converted answers
carry that cost, and each result counts once per job object in the open ``track_cost``
blocks when it is read.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import openai

from kluster_integrations.core.batch_api._download import (
    DEFAULT_MAX_FILE_BYTES,
    BatchFile,
    adownload,
    batch_files,
    download,
    saved_name,
)
from kluster_integrations.core.batch_api._polling import Poller, may_heal
from kluster_integrations.core.batch_api._reader import ResultIndex, ResultItem, read_custom_ids
from kluster_integrations.core.batch_api._status import BatchStatus, combined_status
from kluster_integrations.core.contract import BATCH_FINAL_STATUSES, DEFAULT_MAX_RESPONSE_BYTES
from kluster_integrations.core.cost import (
    BatchCost,
    BatchCostCounter,
    Charge,
    charge_for,
    priced_as_batch,
    record,
)
from kluster_integrations.core.errors import (
    BatchItemError,
    BatchNotFinishedError,
    BatchNotFoundError,
    BatchResultsError,
)
from kluster_integrations.core.transport import (
    guard_options,
    guarded_async_http_client,
    mask_error_fields,
)

#: Separates the kluster batch ids in the id of a job that spans several batches.
JOB_ID_SEPARATOR = "+"


class KlusterBatch:
    """A submitted batch job (see the module docstring). Made by ``submit_batch`` or
    ``get_batch``; not constructed directly.

    Results are read one line at a time: ``max_line_bytes`` bounds one result line, and
    ``max_file_bytes`` one downloaded file (set either on the job to change it).
    """

    #: Bytes one line of an output or error file may hold; a longer one is that request's
    #: ``BatchOutputLineError``.
    max_line_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    #: Bytes one downloaded file may hold (``BatchFileTooLargeError`` past it).
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES

    def __init__(
        self,
        client: openai.OpenAI,
        batch_ids: Sequence[str],
        *,
        custom_ids: Sequence[Sequence[str] | None] | None = None,
        async_client: openai.AsyncOpenAI | None = None,
        convert: Callable[[dict[str, Any], str], Any] | None = None,
    ) -> None:
        self._client = client
        self._async_client = async_client
        self._batch_ids = list(batch_ids)
        self._custom_ids: list[Sequence[str] | None] = (
            list(custom_ids) if custom_ids else [None] * len(self._batch_ids)
        )
        self._convert = convert
        #: Per batch, how many of its results (in input order) were counted in
        #: ``track_cost`` blocks already: reading them again counts nothing twice.
        self._recorded = [0] * len(self._batch_ids)

    @property
    def id(self) -> str:
        """The id to re-attach with (``get_batch``) or to give the command line."""
        return JOB_ID_SEPARATOR.join(self._batch_ids)

    @property
    def batch_ids(self) -> list[str]:
        """The kluster batch ids this job spans."""
        return list(self._batch_ids)

    @property
    def custom_ids(self) -> list[str]:
        """Every request's ``custom_id``, in submission order (the order of ``results()``).
        Known from submitting, or once results were read; otherwise (a re-attached job)
        read once from the job's input files, which this downloads."""
        if any(ids is None for ids in self._custom_ids):
            self._read_input_ids(self.status())
        return [custom_id for ids in self._custom_ids if ids is not None for custom_id in ids]

    def __repr__(self) -> str:
        return f"KlusterBatch(id={self.id!r})"

    # --- status --------------------------------------------------------------------------

    def _known_total(self) -> int | None:
        if any(ids is None for ids in self._custom_ids):
            return None
        return sum(len(ids) for ids in self._custom_ids if ids is not None)

    def status(self) -> BatchStatus:
        """kluster's status and ``total`` / ``completed`` / ``failed`` counts, now."""
        return self._status(self._client)

    async def astatus(self) -> BatchStatus:
        return await self._astatus(self._aclient())

    def _status(self, client: openai.OpenAI, poller: Poller | None = None) -> BatchStatus:
        batches = []
        for batch_id in self._batch_ids:
            timeout = poller.request_timeout(client.timeout) if poller else openai.NOT_GIVEN
            try:
                batches.append(client.batches.retrieve(batch_id, timeout=timeout))
            except openai.NotFoundError as err:
                raise BatchNotFoundError(batch_id) from err
        return combined_status(batches, self._known_total())

    async def _astatus(
        self, client: openai.AsyncOpenAI, poller: Poller | None = None
    ) -> BatchStatus:
        batches = []
        for batch_id in self._batch_ids:
            timeout = poller.request_timeout(client.timeout) if poller else openai.NOT_GIVEN
            try:
                batches.append(await client.batches.retrieve(batch_id, timeout=timeout))
            except openai.NotFoundError as err:
                raise BatchNotFoundError(batch_id) from err
        return combined_status(batches, self._known_total())

    def cancel(self) -> BatchStatus:
        """Ask kluster to cancel every batch of the job that still runs."""
        for batch in self.status().batches:
            if batch.status not in (*BATCH_FINAL_STATUSES, "cancelling"):
                self._client.batches.cancel(batch.id)
        return self.status()

    async def acancel(self) -> BatchStatus:
        for batch in (await self.astatus()).batches:
            if batch.status not in (*BATCH_FINAL_STATUSES, "cancelling"):
                await self._aclient().batches.cancel(batch.id)
        return await self.astatus()

    # --- waiting -----------------------------------------------------------------------

    def wait(
        self,
        *,
        poll_interval: float | None = None,
        timeout: float | None = None,
        progress: bool = True,
    ) -> BatchStatus:
        """Poll until every batch is finished; returns the final status.

        ``poll_interval``: seconds between polls (default: from 1 s, growing to 30 s).
        ``timeout``: raise ``BatchTimeoutError`` after this many seconds (the job goes on);
        it bounds the whole wait, each status request included.
        ``progress``: a tqdm bar of completed / total requests (works in notebooks).

        Status requests that fail with HTTP 408, 409, 429 or 5xx, a timeout or a lost
        connection are retried (after ``Retry-After``, or backing off up to 30 s; the bar
        says so) until ``timeout``; without one, 15 minutes of failures in a row raise
        ``BatchStatusUnavailableError`` (``core.batch_api.GIVE_UP_AFTER``). Other errors
        (401, an unknown batch) end the wait at once.
        """
        poller = Poller(self.id, poll_interval, timeout, progress)
        client = self._client.with_options(max_retries=0)  # the poller retries, in time
        try:
            while True:
                try:
                    with poller.request_deadline():
                        state = self._status(client, poller)
                except openai.OpenAIError as error:
                    if not may_heal(error):
                        raise
                    time.sleep(poller.after_failure(error))
                    continue
                delay = poller.after(state)
                if delay is None:
                    return state
                time.sleep(delay)
        finally:
            poller.close()

    async def async_wait(
        self,
        *,
        poll_interval: float | None = None,
        timeout: float | None = None,
        progress: bool = True,
    ) -> BatchStatus:
        """``wait`` for async code (``await job.async_wait()``)."""
        poller = Poller(self.id, poll_interval, timeout, progress)
        client = self._aclient().with_options(max_retries=0)
        try:
            while True:
                try:
                    with poller.request_deadline():
                        state = await self._astatus(client, poller)
                except openai.OpenAIError as error:
                    if not may_heal(error):
                        raise
                    await asyncio.sleep(poller.after_failure(error))
                    continue
                delay = poller.after(state)
                if delay is None:
                    return state
                await asyncio.sleep(delay)
        finally:
            poller.close()

    # --- results -----------------------------------------------------------------------

    def results(self, *, return_exceptions: bool = False, wait: bool = False) -> list[Any]:
        """Every request's answer, in input order.

        A request with no answer (failed, or never ran in an expired, cancelled or failed
        batch) is a ``BatchItemError`` (``custom_id``, ``index``, ``status_code``,
        ``message``); one whose result line the files leave out, repeat or garble is a
        ``BatchOutputLineError``. With ``return_exceptions=False`` any such item raises one
        ``BatchResultsError`` carrying every item; with ``True`` they are in place. Before
        the job is finished this raises ``BatchNotFinishedError``, or waits with
        ``wait=True``.

        What it holds: the returned list holds every result at once, as the adapter makes
        it (a ``ChatKluster`` ``AIMessage`` with usage and metadata is about 2.7 KB, so
        100,000 answers take about 270 MB, plus their text); the files are read from disk
        a line at a time, so nothing else grows with the job. For large jobs use
        ``iter_results``, which holds one result at a time (a million results: under
        50 MB, ``benchmarks/batch.py --iter-results 1000000``).
        """
        state = self.wait(progress=False) if wait else self.status()
        return self._finish(list(self._items(state)), return_exceptions)

    async def aresults(self, *, return_exceptions: bool = False, wait: bool = False) -> list[Any]:
        """``results`` for async code; files are downloaded with the async client."""
        state = await self.async_wait(progress=False) if wait else await self.astatus()
        self._require_done(state)
        with tempfile.TemporaryDirectory(prefix="kluster-batch-") as tmp:
            folder = Path(tmp)
            for file in self._files_to_fetch(state):
                await adownload(
                    self._aclient(),
                    file,
                    folder / file.name,
                    max_bytes=self.max_file_bytes,
                    batch_id=state.batches[file.batch_number].id,
                )
            items = [self._converted(item, window) for item, window in self._read(state, folder)]
        return self._finish(items, return_exceptions)

    def cost(self) -> BatchCost:
        """What the finished job's results cost at its completion window's prices
        (``total_usd``), beside the same tokens at real-time prices (``realtime_usd``,
        ``savings_usd``); reads the output files as ``results`` does (async code:
        ``await asyncio.to_thread(job.cost)``). ``BatchNotFinishedError`` before the job is
        finished."""
        counter = BatchCostCounter()
        state = self.status()
        self._require_done(state)
        with tempfile.TemporaryDirectory(prefix="kluster-batch-") as tmp:
            folder = Path(tmp)
            self._fetch(state, self._files_to_fetch(state), folder)
            for item, window in self._read(state, folder, record_cost=False):
                if item.body is not None:
                    counter.add(item.body, window)
        return counter.result()

    def results_by_id(
        self, *, return_exceptions: bool = False, wait: bool = False
    ) -> dict[str, Any]:
        """``results()`` keyed by each request's ``custom_id``, in submission order (the
        arguments as for ``results``); nothing is downloaded twice."""
        results = self.results(return_exceptions=return_exceptions, wait=wait)
        return dict(zip(self.custom_ids, results, strict=True))

    async def aresults_by_id(
        self, *, return_exceptions: bool = False, wait: bool = False
    ) -> dict[str, Any]:
        """``results_by_id`` for async code."""
        results = await self.aresults(return_exceptions=return_exceptions, wait=wait)
        return dict(zip(self.custom_ids, results, strict=True))

    def iter_results(self, *, return_exceptions: bool = True) -> Iterator[Any]:
        """``results`` one at a time, in input order, without holding them all; a failed
        item is yielded as its error (or raised, with ``return_exceptions=False``).

        What it holds besides the result in hand: the job's custom ids (numbered
        ones as a range, others about 18 bytes each), and for the batch being read where
        each answer's line is (10 bytes a request, 8 more with custom ids); the files stay
        on disk."""
        for result in self._items(self.status()):
            if isinstance(result, Exception) and not return_exceptions:
                raise result
            yield result

    def iter_raw(self) -> Iterator[ResultItem]:
        """Every request's ``ResultItem`` (``index``, ``custom_id``, the chat-completion
        ``body`` or the ``error``) in input order, unconverted."""
        for item, _ in self.iter_charges():
            yield item

    def iter_charges(self) -> Iterator[tuple[ResultItem, Charge | None]]:
        """``iter_raw`` with each answer's ``Charge`` at its batch's completion window
        (``None`` for a request without an answer; used by the command line)."""
        state = self.status()
        self._require_done(state)
        with tempfile.TemporaryDirectory(prefix="kluster-batch-") as tmp:
            folder = Path(tmp)
            self._fetch(state, self._files_to_fetch(state), folder)
            for item, window in self._read(state, folder):
                yield item, None if item.body is None else _charge(item.body, window)

    def download_files(self, folder: Path | str) -> list[Path]:
        """Save every batch's input, output and error file in ``folder`` (made if needed),
        as ``batch-<n>-<input|output|error>.jsonl``; returns the paths. For inspecting a job
        whose results cannot be read."""
        state = self.status()
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        files = batch_files(self.id, state.batches, [True] * len(state.batches))
        self._fetch(state, files, target)
        return [target / file.name for file in files]

    def _items(self, state: BatchStatus) -> Iterator[Any]:
        self._require_done(state)
        files = self._files_to_fetch(state)
        with tempfile.TemporaryDirectory(prefix="kluster-batch-") as tmp:
            folder = Path(tmp)
            self._fetch(state, files, folder)
            for item, window in self._read(state, folder):
                yield self._converted(item, window)

    def _files_to_fetch(self, state: BatchStatus) -> list[BatchFile]:
        need_input = [ids is None for ids in self._custom_ids]
        return batch_files(self.id, state.batches, need_input)

    def _fetch(self, state: BatchStatus, files: list[BatchFile], folder: Path) -> None:
        for file in files:
            download(
                self._client,
                file,
                folder / file.name,
                max_bytes=self.max_file_bytes,
                batch_id=state.batches[file.batch_number].id,
            )

    def _read_input_ids(self, state: BatchStatus) -> None:
        """The custom ids of the batches whose ids are not known, from their input files."""
        need_input = [ids is None for ids in self._custom_ids]
        files = [f for f in batch_files(self.id, state.batches, need_input) if f.kind == "input"]
        with tempfile.TemporaryDirectory(prefix="kluster-batch-") as tmp:
            folder = Path(tmp)
            self._fetch(state, files, folder)
            for file in files:
                self._custom_ids[file.batch_number] = read_custom_ids(
                    folder / file.name, self.max_line_bytes
                )

    def _require_done(self, state: BatchStatus) -> None:
        if not state.done:
            raise BatchNotFinishedError(self.id, state.status)

    def _read(
        self, state: BatchStatus, folder: Path, *, record_cost: bool = True
    ) -> Iterator[tuple[ResultItem, str | None]]:
        """Every result item in input order with its batch's completion window, the key
        masked in failed items' errors; answers not counted yet are recorded (``track_cost``)
        unless ``record_cost`` is false."""
        key = self._client.api_key
        start = 0
        for number, batch in enumerate(state.batches):
            window = getattr(batch, "completion_window", None)
            ids = self._custom_ids[number]
            if ids is None:
                ids = self._custom_ids[number] = read_custom_ids(
                    folder / saved_name(number, "input"), self.max_line_bytes
                )
            index = ResultIndex(batch.id, ids, start, self.max_line_bytes)
            for kind in ("output", "error"):
                path = folder / saved_name(number, kind)
                if path.exists():
                    index.add_file(path)
            for position, item in enumerate(index.items(not_run=_not_run_reason(batch))):
                if item.error is not None:
                    mask_item_error(item.error, key)
                elif record_cost and position >= self._recorded[number]:
                    assert item.body is not None
                    record(_charge(item.body, window))
                if record_cost:
                    self._recorded[number] = max(self._recorded[number], position + 1)
                yield item, window
            start += len(ids)

    def _converted(self, item: ResultItem, window: str | None) -> Any:
        if item.error is not None:
            return item.error
        assert item.body is not None
        if self._convert is None:
            return item.body
        try:
            with priced_as_batch(window):
                return self._convert(item.body, item.custom_id)
        except Exception as err:  # an answer the adapter cannot read is that item's error
            failure = BatchItemError(
                item.custom_id,
                item.index,
                f"the answer could not be read: {err}",
                status_code=200,
                code="unreadable_answer",
                body=item.body,
            )
            failure.__cause__ = err
            return failure

    def _finish(self, items: list[Any], return_exceptions: bool) -> list[Any]:
        if not return_exceptions and any(isinstance(item, Exception) for item in items):
            raise BatchResultsError(self.id, items)
        return items

    def _aclient(self) -> openai.AsyncOpenAI:
        if self._async_client is None:
            self._async_client = openai.AsyncOpenAI(
                api_key=self._client.api_key,
                base_url=self._client.base_url,
                max_retries=self._client.max_retries,
                http_client=guarded_async_http_client(guard_options(timeout=self._client.timeout)),
                timeout=self._client.timeout,
            )
        return self._async_client


def _charge(body: dict[str, Any], window: str | None) -> Charge:
    return charge_for(str(body.get("model")), body.get("usage"), window)


def _not_run_reason(batch: Any) -> tuple[str, str] | None:
    if batch.status == "completed":
        return None
    detail = ""
    errors = getattr(batch, "errors", None)
    if errors is not None and getattr(errors, "data", None):
        detail = ": " + "; ".join(str(e.message) for e in errors.data)
    return (
        f"batch_{batch.status}",
        f"batch {batch.id} ended {batch.status} before this request ran{detail}",
    )


def mask_item_error(error: BatchItemError, key: str | None) -> None:
    """Mask ``key``, in every form a server may echo it, in what ``error`` shows: its
    message, ``args`` and ``body`` (result lines come from the server like any answer)."""
    mask_error_fields(error, key)
