"""The emulator's Batch API: ``/v1/files`` and ``/v1/batches`` as kluster.ai documents them.

A batch moves ``validating`` -> ``in_progress`` -> ``finalizing`` -> ``completed`` on the
store's ``BatchClock`` (fast by default, so tests barely wait). Each input line is answered
by the emulator's own ``/v1/chat/completions`` route, so a line passes exactly the checks a
real-time request passes, and the request log shows every line (with an
``x-kluster-batch`` header naming the batch and ``custom_id``). Answers go to the output
file in shuffled order; failed lines (400 for a refused field, 500 from a fault) go to the
error file. ``BatchFault`` makes the next batch fail, expire part-way, fail chosen lines or
run slowly, or damage its result files as a broken or hostile server would (lines repeated,
left out or garbled, a file id that is a path, downloads cut half-way).

The HTTP side fails with the emulator's ``Fault``: ``path="/v1/batches"`` (any batch
request: create, list, status, cancel) or ``"/v1/files"``, with ``status`` (and
``retry_after``) for an error answer and ``delay`` for a request that hangs that long.

For an emulator in another process: ``POST /_emulator/batch_faults`` with
``{"faults": [{"expire_after": 3}]}`` and ``POST /_emulator/batch_clock`` with the
``BatchClock`` fields.

Example::

    store = batch_store(emulator.state)        # or the ``kluster_batches`` fixture
    store.clock = BatchClock(seconds_per_line=0.001)
    store.add_fault(BatchFault(expire_after=3))  # the next batch expires after 3 lines
    emulator.add_fault(status=429, retry_after=1, path=BATCHES_PATH, times=5)  # 5 polls
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from kluster_integrations.core.contract import (
    BATCH_COMPLETION_WINDOWS,
    BATCH_ENDPOINT,
    BATCH_FINAL_STATUSES,
    BATCH_MAX_FILE_BYTES,
)
from kluster_integrations.emulator._batch_runner import BATCH_LINE_HEADER, run_batch
from kluster_integrations.emulator._batch_store import (
    LINE_SET_FIELDS,
    BatchClock,
    BatchFault,
    BatchStore,
    StoredFile,
    batch_store,
)
from kluster_integrations.emulator._hostile import hostile_answer
from kluster_integrations.emulator._sse import StreamCut
from kluster_integrations.emulator._state import EmulatorState, RecordedRequest

__all__ = [
    "BATCH_LINE_HEADER",
    "BatchClock",
    "BatchFault",
    "BatchStore",
    "batch_routes",
    "batch_store",
]

FILES_PATH = "/v1/files"
BATCHES_PATH = "/v1/batches"
_FILE_PURPOSES = ("batch", "fine-tune")


def _error(
    status: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    kind = {401: "authentication_error", 404: "not_found_error"}.get(
        status, "invalid_request_error"
    )
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": param, "code": code}},
        status_code=status,
        headers=headers,
    )


async def _cut_half_way(content: bytes) -> AsyncIterator[bytes]:
    """The first half of ``content``, then a dropped connection."""
    yield content[: len(content) // 2]
    raise StreamCut("emulated download cut half-way")


def batch_routes(state: EmulatorState) -> list[Route]:
    """The ``/v1/files`` and ``/v1/batches`` routes, bound to ``state``'s batch store."""
    store = batch_store(state)

    async def admit(request: Request, path: str, body: Any) -> Response | None:
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in ("authorization", "api-key")
        }
        state.record(RecordedRequest(request.method, path, body, headers))
        key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        api_key = state.settings.api_key
        if not key or (api_key is not None and key != api_key):
            return _error(
                401,
                "Invalid or missing API key. Send 'Authorization: Bearer <key>'.",
                code="invalid_api_key",
            )
        fault = state.take_fault(path)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)  # a request that hangs, then is answered
        if fault is not None and fault.answer is not None:
            return hostile_answer(fault.answer, body, key, fault.answer_bytes)
        if fault is not None and fault.status is not None:
            retry_after = fault.retry_after
            return _error(
                fault.status,
                f"Emulated fault: HTTP {fault.status}.",
                headers=None if retry_after is None else {"Retry-After": f"{retry_after:g}"},
            )
        return None

    async def upload(request: Request) -> Response:
        async with request.form(max_part_size=BATCH_MAX_FILE_BYTES + 1) as form:
            upload_file = form.get("file")
            purpose = form.get("purpose")
            content = await upload_file.read() if isinstance(upload_file, UploadFile) else None
            filename = getattr(upload_file, "filename", None) or "upload.jsonl"
        stop = await admit(
            request,
            FILES_PATH,
            {"purpose": purpose, "filename": filename, "bytes": len(content or b"")},
        )
        if stop is not None:
            return stop
        if content is None:
            return _error(400, "Send the file as multipart field `file`.", param="file")
        if purpose not in _FILE_PURPOSES:
            return _error(
                400, f"`purpose` must be one of {', '.join(_FILE_PURPOSES)}.", param="purpose"
            )
        if len(content) > BATCH_MAX_FILE_BYTES:
            return _error(
                400,
                f"The file is {len(content)} bytes; at most "
                f"{BATCH_MAX_FILE_BYTES} bytes (100 MB) per file.",
                param="file",
                code="file_too_large",
            )
        return JSONResponse(store.add_file(filename, str(purpose), content).info())

    async def list_files(request: Request) -> Response:
        stop = await admit(request, FILES_PATH, None)
        if stop is not None:
            return stop
        return JSONResponse(
            {"object": "list", "data": [f.info() for f in store.files.values()], "has_more": False}
        )

    def find_file(request: Request) -> StoredFile | Response:
        file_id = request.path_params["file_id"]
        stored = store.files.get(file_id)
        return (
            stored
            if stored is not None
            else _error(404, f"No such file: {file_id}.", param="file_id", code="not_found")
        )

    async def file_info(request: Request) -> Response:
        stop = await admit(request, FILES_PATH, None)
        found = stop or find_file(request)
        return found if isinstance(found, Response) else JSONResponse(found.info())

    async def file_content(request: Request) -> Response:
        stop = await admit(request, FILES_PATH, None)
        found = stop or find_file(request)
        if isinstance(found, Response):
            return found
        if found.cuts_left > 0:
            found.cuts_left -= 1
            return StreamingResponse(_cut_half_way(found.content), media_type=found.media_type)
        return Response(found.content, media_type=found.media_type)

    async def delete_file(request: Request) -> Response:
        stop = await admit(request, FILES_PATH, None)
        found = stop or find_file(request)
        if isinstance(found, Response):
            return found
        del store.files[found.id]
        return JSONResponse({"id": found.id, "object": "file", "deleted": True})

    async def create_batch(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except json.JSONDecodeError:
            body = None
        stop = await admit(request, BATCHES_PATH, body)
        if stop is not None:
            return stop
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object.")
        if body.get("endpoint") != BATCH_ENDPOINT:
            return _error(400, f"`endpoint` must be {BATCH_ENDPOINT}.", param="endpoint")
        if body.get("completion_window") not in BATCH_COMPLETION_WINDOWS:
            return _error(
                400,
                f"`completion_window` must be one of {', '.join(BATCH_COMPLETION_WINDOWS)}.",
                param="completion_window",
            )
        stored = store.files.get(str(body.get("input_file_id")))
        if stored is None:
            return _error(
                404,
                f"No such file: {body.get('input_file_id')}.",
                param="input_file_id",
                code="not_found",
            )
        if stored.purpose != "batch":
            return _error(
                400, "The input file was not uploaded with purpose `batch`.", param="input_file_id"
            )
        now = int(time.time())
        batch = {
            "id": store.new_id("batch"),
            "object": "batch",
            "endpoint": BATCH_ENDPOINT,
            "errors": None,
            "input_file_id": stored.id,
            "completion_window": body["completion_window"],
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + 3600 * int(body["completion_window"].rstrip("h")),
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        store.batches[batch["id"]] = batch
        auth = request.headers.get("authorization", "")
        task = asyncio.create_task(
            run_batch(store, batch, stored.content, store.take_fault(), request.app, auth)
        )
        store._tasks.add(task)
        task.add_done_callback(store._tasks.discard)
        return JSONResponse(batch)

    def find_batch(request: Request) -> dict[str, Any] | Response:
        batch_id = request.path_params["batch_id"]
        batch = store.batches.get(batch_id)
        return (
            batch
            if batch is not None
            else _error(404, f"No such batch: {batch_id}.", param="batch_id", code="not_found")
        )

    async def retrieve_batch(request: Request) -> Response:
        stop = await admit(request, BATCHES_PATH, None)
        found = stop or find_batch(request)
        return found if isinstance(found, Response) else JSONResponse(found)

    async def cancel_batch(request: Request) -> Response:
        stop = await admit(request, BATCHES_PATH, None)
        found = stop or find_batch(request)
        if isinstance(found, Response):
            return found
        if found["status"] in BATCH_FINAL_STATUSES:
            return _error(
                400,
                f"Batch {found['id']} is {found['status']} and cannot be cancelled.",
                code="batch_not_cancellable",
            )
        found.update(status="cancelling", cancelling_at=int(time.time()))
        store._cancel.add(found["id"])
        return JSONResponse(found)

    async def list_batches(request: Request) -> Response:
        stop = await admit(request, BATCHES_PATH, None)
        if stop is not None:
            return stop
        limit = int(request.query_params.get("limit", 20))
        after = request.query_params.get("after")
        ordered = sorted(store.batches.values(), key=lambda b: b["id"], reverse=True)
        if after:
            ordered = [b for b in ordered if b["id"] < after]
        page = ordered[:limit]
        return JSONResponse(
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(ordered) > limit,
                "count": len(page),
                "page": 1,
                "page_count": 1,
                "items_per_page": limit,
            }
        )

    async def control_faults(request: Request) -> Response:
        for spec in (await request.json()).get("faults", []):
            for name in LINE_SET_FIELDS:
                spec[name] = frozenset(spec.get(name, ()))
            store.add_fault(BatchFault(**spec))
        return JSONResponse({"added": True})

    async def control_clock(request: Request) -> Response:
        store.clock = BatchClock(**await request.json())
        return JSONResponse({"clock": vars(store.clock)})

    return [
        Route("/_emulator/batch_faults", control_faults, methods=["POST"]),
        Route("/_emulator/batch_clock", control_clock, methods=["POST"]),
        Route(FILES_PATH, upload, methods=["POST"]),
        Route(FILES_PATH, list_files, methods=["GET"]),
        Route(FILES_PATH + "/{file_id}", file_info, methods=["GET"]),
        Route(FILES_PATH + "/{file_id}", delete_file, methods=["DELETE"]),
        # ``path``: a hostile batch's file id may hold slashes (``BatchFault.output_file_id``)
        Route(FILES_PATH + "/{file_id:path}/content", file_content, methods=["GET"]),
        Route(BATCHES_PATH, create_batch, methods=["POST"]),
        Route(BATCHES_PATH, list_batches, methods=["GET"]),
        Route(BATCHES_PATH + "/{batch_id}", retrieve_batch, methods=["GET"]),
        Route(BATCHES_PATH + "/{batch_id}/cancel", cancel_batch, methods=["POST"]),
    ]
