"""Submitting chat requests as kluster.ai batches, and re-attaching to them.

``submit_requests`` writes the request bodies to JSONL files on disk as they come (a
100,000-request job is never held in memory), splits them at 100 MB or at
``max_requests_per_batch`` (by default the account's cap, when its tier is known: Trial
999), uploads each file and creates one batch per file.

Example::

    client = openai.OpenAI(base_url=..., api_key=...)
    bodies = ({"model": MODEL, "messages": [{"role": "user", "content": t}]} for t in texts)
    job = submit_requests(client, bodies, completion_window="24h")
    job.wait(); job.results()                    # chat-completion dicts, input order
    attach(client, job.id).results()             # the same, from another process

An adapter submits its own inputs with ``submit_inputs(client, inputs, codec)`` (see
``codec.BatchCodec``): the requests are built as the file is written, and the results are
what the adapter returns.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openai

from kluster_integrations.core.batch_api._codec import BatchCodec
from kluster_integrations.core.batch_api._job import JOB_ID_SEPARATOR, KlusterBatch
from kluster_integrations.core.batch_api._writer import BatchFileWriter, BatchPart
from kluster_integrations.core.contract import (
    BATCH_COMPLETION_WINDOWS,
    BATCH_ENDPOINT,
    BATCH_FILE_PURPOSE,
    BATCH_LINE_STREAM_FIELDS,
    BATCH_MAX_FILE_BYTES,
    DEFAULT_COMPLETION_WINDOW,
)
from kluster_integrations.core.errors import BatchInputError, BatchNotFoundError
from kluster_integrations.core.rate_limits import account_of

#: Prefix of the ``custom_id``\ s made when none are given: ``request-0``, ``request-1``...
DEFAULT_ID_PREFIX = "request"
#: Makes an answer body (given with its request's ``custom_id``) what the adapter returns.
Converter = Callable[[dict[str, Any], str], Any]


def check_completion_window(window: Any) -> str:
    """``window`` if kluster.ai offers it, else a ``BatchInputError`` naming the ones it does."""
    if window not in BATCH_COMPLETION_WINDOWS:
        raise BatchInputError(
            f"completion_window={window!r} is not one kluster.ai offers",
            f"Use one of {', '.join(map(repr, BATCH_COMPLETION_WINDOWS))}.",
        )
    return str(window)


def check_custom_ids(custom_ids: Sequence[Any] | None) -> list[str] | None:
    """The ids as a list, or a ``BatchInputError`` for non-strings, empties and repeats."""
    if custom_ids is None:
        return None
    if isinstance(custom_ids, str | bytes):
        raise BatchInputError("custom_ids is a single string", "Pass a list with one id per input.")
    ids = list(custom_ids)
    bad = next((i for i in ids if not isinstance(i, str) or not i), None)
    if bad is not None or any(not isinstance(i, str) or not i for i in ids):
        raise BatchInputError(
            f"custom_ids holds {bad!r}, not a non-empty string",
            "Give every input a non-empty string id.",
        )
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        repeated = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
        raise BatchInputError(
            f"custom_ids repeats {repeated!r}", "Every custom_id must be unique within the job."
        )
    return ids


def requests_per_batch(client: openai.OpenAI, asked: int | None) -> int | None:
    """Where to split: ``asked``, else the cap of the client's account (its tier, declared
    by the model objects on that key and server, see ``core.rate_limits``); a
    ``BatchInputError`` before anything is uploaded when ``asked`` is above that cap."""
    known = account_of(client.api_key, str(client.base_url)).max_batch_requests()
    if known is None:
        return asked
    cap, tier = known
    if asked is None:
        return cap
    if isinstance(asked, int) and asked > cap:
        raise BatchInputError(
            f"max_requests_per_batch={asked:,} is more than the {tier} tier's {cap:,} "
            "requests per batch",
            f"Leave max_requests_per_batch unset to split the job at {cap:,}, or pass at most "
            f"{cap:,}.",
        )
    return asked


def write_parts(
    folder: Path,
    bodies: Iterable[Mapping[str, Any]],
    custom_ids: list[str] | None,
    *,
    prefix: str = DEFAULT_ID_PREFIX,
    max_file_bytes: int = BATCH_MAX_FILE_BYTES,
    max_requests_per_batch: int | None = None,
) -> list[BatchPart]:
    """Write every body as a batch line under ``folder``; the files, split at the caps."""
    with BatchFileWriter(
        folder, max_bytes=max_file_bytes, max_requests=max_requests_per_batch
    ) as writer:
        count = 0
        for count, body in enumerate(bodies, start=1):
            if body.get("stream"):  # e.g. a model made with streaming=True
                body = {k: v for k, v in body.items() if k not in BATCH_LINE_STREAM_FIELDS}
            if custom_ids is None:
                writer.add(f"{prefix}-{count - 1}", body)
            elif count <= len(custom_ids):
                writer.add(custom_ids[count - 1], body)
            # else: keep counting, for an error message that gives both numbers
    if count == 0:
        raise BatchInputError("there are no inputs", "Pass at least one input.")
    if custom_ids is not None and count != len(custom_ids):
        raise BatchInputError(
            f"there are {count} inputs but {len(custom_ids)} custom_ids",
            "Pass exactly one custom_id per input.",
        )
    return writer.parts


def submit_requests(
    client: openai.OpenAI,
    bodies: Iterable[Mapping[str, Any]],
    *,
    completion_window: str = DEFAULT_COMPLETION_WINDOW,
    custom_ids: Sequence[str] | None = None,
    id_prefix: str = DEFAULT_ID_PREFIX,
    max_requests_per_batch: int | None = None,
    max_file_bytes: int = BATCH_MAX_FILE_BYTES,
    metadata: Mapping[str, Any] | None = None,
    convert: Converter | None = None,
    async_client: openai.AsyncOpenAI | None = None,
) -> KlusterBatch:
    """Write, upload and start the batches for ``bodies``; returns the job."""
    window = check_completion_window(completion_window)
    ids = check_custom_ids(custom_ids)
    max_requests_per_batch = requests_per_batch(client, max_requests_per_batch)
    with tempfile.TemporaryDirectory(prefix="kluster-batch-") as tmp:
        parts = write_parts(
            Path(tmp),
            bodies,
            ids,
            prefix=id_prefix,
            max_file_bytes=max_file_bytes,
            max_requests_per_batch=max_requests_per_batch,
        )
        batch_ids: list[str] = []
        try:
            for part in parts:
                with part.path.open("rb") as data:
                    uploaded = client.files.create(
                        file=(part.path.name, data), purpose=BATCH_FILE_PURPOSE
                    )
                batch = client.batches.create(**_batch_request(uploaded.id, window, metadata))
                batch_ids.append(batch.id)
        except BaseException:
            _cancel_quietly(client, batch_ids)
            raise
    return KlusterBatch(
        client,
        batch_ids,
        custom_ids=[p.custom_ids for p in parts],
        async_client=async_client,
        convert=convert,
    )


async def asubmit_requests(
    client: openai.OpenAI,
    async_client: openai.AsyncOpenAI,
    bodies: Iterable[Mapping[str, Any]],
    *,
    completion_window: str = DEFAULT_COMPLETION_WINDOW,
    custom_ids: Sequence[str] | None = None,
    id_prefix: str = DEFAULT_ID_PREFIX,
    max_requests_per_batch: int | None = None,
    max_file_bytes: int = BATCH_MAX_FILE_BYTES,
    metadata: Mapping[str, Any] | None = None,
    convert: Converter | None = None,
) -> KlusterBatch:
    """``submit_requests`` with uploads through the async client."""
    window = check_completion_window(completion_window)
    ids = check_custom_ids(custom_ids)
    max_requests_per_batch = requests_per_batch(client, max_requests_per_batch)
    with tempfile.TemporaryDirectory(prefix="kluster-batch-") as tmp:
        parts = write_parts(
            Path(tmp),
            bodies,
            ids,
            prefix=id_prefix,
            max_file_bytes=max_file_bytes,
            max_requests_per_batch=max_requests_per_batch,
        )
        batch_ids: list[str] = []
        try:
            for part in parts:
                with part.path.open("rb") as data:
                    uploaded = await async_client.files.create(
                        file=(part.path.name, data), purpose=BATCH_FILE_PURPOSE
                    )
                batch = await async_client.batches.create(
                    **_batch_request(uploaded.id, window, metadata)
                )
                batch_ids.append(batch.id)
        except BaseException:
            _cancel_quietly(client, batch_ids)
            raise
    return KlusterBatch(
        client,
        batch_ids,
        custom_ids=[p.custom_ids for p in parts],
        async_client=async_client,
        convert=convert,
    )


def submit_inputs(
    client: openai.OpenAI,
    inputs: Iterable[Any],
    codec: BatchCodec,
    *,
    async_client: openai.AsyncOpenAI | None = None,
    completion_window: str = DEFAULT_COMPLETION_WINDOW,
    custom_ids: Sequence[str] | None = None,
    max_requests_per_batch: int | None = None,
) -> KlusterBatch:
    """``submit_requests`` for an adapter's ``inputs``: each made a request by
    ``codec.request_for``, each answer read by ``codec.result_from``."""
    return submit_requests(
        client,
        map(codec.request_for, inputs),
        completion_window=completion_window,
        custom_ids=custom_ids,
        max_requests_per_batch=max_requests_per_batch,
        convert=codec.result_from,
        async_client=async_client,
    )


async def asubmit_inputs(
    client: openai.OpenAI,
    async_client: openai.AsyncOpenAI,
    inputs: Iterable[Any],
    codec: BatchCodec,
    *,
    completion_window: str = DEFAULT_COMPLETION_WINDOW,
    custom_ids: Sequence[str] | None = None,
    max_requests_per_batch: int | None = None,
) -> KlusterBatch:
    """``submit_inputs`` with the uploads through the async client."""
    return await asubmit_requests(
        client,
        async_client,
        map(codec.request_for, inputs),
        completion_window=completion_window,
        custom_ids=custom_ids,
        max_requests_per_batch=max_requests_per_batch,
        convert=codec.result_from,
    )


def attach(
    client: openai.OpenAI,
    job_id: str | Sequence[str],
    *,
    async_client: openai.AsyncOpenAI | None = None,
    convert: Converter | None = None,
) -> KlusterBatch:
    """The job with this id (``batch_...`` or ids joined by ``+``), checked to exist; its
    input order is read back from the input files when results are collected."""
    ids = job_id.split(JOB_ID_SEPARATOR) if isinstance(job_id, str) else list(job_id)
    ids = [i.strip() for i in ids]
    if not ids or not all(ids):
        raise BatchNotFoundError(str(job_id))
    job = KlusterBatch(client, ids, async_client=async_client, convert=convert)
    job.status()  # raises BatchNotFoundError for an unknown id
    return job


def _batch_request(file_id: str, window: str, metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "input_file_id": file_id,
        "endpoint": BATCH_ENDPOINT,
        "completion_window": window,
    }
    if metadata:
        request["metadata"] = dict(metadata)
    return request


def _cancel_quietly(client: openai.OpenAI, batch_ids: list[str]) -> None:
    """Cancel the batches already started when starting the rest failed."""
    for batch_id in batch_ids:
        with contextlib.suppress(openai.OpenAIError):
            client.batches.cancel(batch_id)
