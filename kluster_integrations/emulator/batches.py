"""The emulator's Batch API: ``/v1/files`` and ``/v1/batches`` as kluster.ai documents them.

A batch moves ``validating`` -> ``in_progress`` -> ``finalizing`` -> ``completed`` on the
store's ``BatchClock`` (fast by default, so tests barely wait). Each input line is answered
by the emulator's own ``/v1/chat/completions`` route, so a line passes exactly the checks a
real-time request passes, and the request log shows every line (with an
``x-kluster-batch`` header naming the batch and ``custom_id``). Answers go to the output
file in shuffled order; failed lines (400 for a refused field, 500 from a fault) go to the
error file. ``BatchFault`` makes the next batch fail, expire part-way, fail chosen lines or
run slowly.

For an emulator in another process: ``POST /_emulator/batch_faults`` with
``{"faults": [{"expire_after": 3}]}`` and ``POST /_emulator/batch_clock`` with the
``BatchClock`` fields.

Example::

    store = batch_store(emulator.state)        # or the ``kluster_batches`` fixture
    store.clock = BatchClock(seconds_per_line=0.001)
    store.add_fault(BatchFault(expire_after=3))  # the next batch expires after 3 lines
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import random
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kluster_integrations.core.contract import (
    BATCH_COMPLETION_WINDOWS,
    BATCH_ENDPOINT,
    BATCH_FINAL_STATUSES,
    BATCH_MAX_FILE_BYTES,
)
from kluster_integrations.emulator.state import CHAT_PATH, EmulatorState, RecordedRequest

FILES_PATH = "/v1/files"
BATCHES_PATH = "/v1/batches"
#: Header on each line's logged chat request: ``<batch id>/<custom_id>``.
BATCH_LINE_HEADER = "x-kluster-batch"
_FILE_PURPOSES = ("batch", "fine-tune")


@dataclass
class BatchClock:
    """How long a batch spends in each state: seconds validating, per line, finalizing."""

    validating_seconds: float = 0.01
    seconds_per_line: float = 0.0
    finalizing_seconds: float = 0.01


@dataclass
class BatchFault:
    """What goes wrong with the next batch created.

    - ``fail``: the batch fails while validating, with this message;
    - ``expire_after``: it expires after this many lines ran (partial output, the rest
      in the error file as ``batch_expired``);
    - ``failing_lines``: these ``custom_id``\\ s fail with HTTP 500;
    - ``seconds_per_line``: a slow batch (overrides the clock).
    """

    fail: str | None = None
    expire_after: int | None = None
    failing_lines: frozenset[str] = frozenset()
    seconds_per_line: float | None = None


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int = field(default_factory=lambda: int(time.time()))

    def info(self) -> dict[str, Any]:
        return {"id": self.id, "object": "file", "bytes": len(self.content),
                "created_at": self.created_at, "filename": self.filename,
                "purpose": self.purpose, "status": "processed", "status_details": None}


class BatchStore:
    """Files and batches of one emulator, plus the clock, faults and per-batch limits.

    ``max_requests_per_batch`` imitates a plan's cap (Trial: 999); ``None`` means no cap.
    """

    def __init__(self) -> None:
        self.clock = BatchClock()
        self.max_requests_per_batch: int | None = None
        self.files: dict[str, StoredFile] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._faults: list[BatchFault] = []
        self._cancel: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        #: Bumped by ``reset``; a batch started before a reset stops at its next step.
        self.generation = 0

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_emu{next(self._ids):06d}"

    def add_fault(self, fault: BatchFault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take_fault(self) -> BatchFault:
        with self._lock:
            return self._faults.pop(0) if self._faults else BatchFault()

    def add_file(self, filename: str, purpose: str, content: bytes) -> StoredFile:
        stored = StoredFile(self.new_id("file"), filename, purpose, content)
        self.files[stored.id] = stored
        return stored

    def reset(self) -> None:
        """Forget files, batches and faults; back to the default clock and no cap."""
        with self._lock:
            self.generation += 1
            self._faults.clear()
            self._cancel.clear()
            self.files.clear()
            self.batches.clear()
            self.clock = BatchClock()
            self.max_requests_per_batch = None


_STORES: weakref.WeakKeyDictionary[EmulatorState, BatchStore] = weakref.WeakKeyDictionary()


def batch_store(state: EmulatorState) -> BatchStore:
    """The batch store that belongs to ``state`` (created on first use)."""
    store = _STORES.get(state)
    if store is None:
        store = _STORES[state] = BatchStore()
    return store


def _error(status: int, message: str, *, param: str | None = None,
           code: str | None = None) -> JSONResponse:
    kind = {401: "authentication_error", 404: "not_found_error"}.get(
        status, "invalid_request_error")
    return JSONResponse({"error": {"message": message, "type": kind, "param": param,
                                   "code": code}}, status_code=status)


def batch_routes(state: EmulatorState) -> list[Route]:
    """The ``/v1/files`` and ``/v1/batches`` routes, bound to ``state``'s batch store."""
    store = batch_store(state)

    def admit(request: Request, path: str, body: Any) -> Response | None:
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("authorization", "api-key")}
        state.record(RecordedRequest(request.method, path, body, headers))
        key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        api_key = state.settings.api_key
        if not key or (api_key is not None and key != api_key):
            return _error(401, "Invalid or missing API key. Send 'Authorization: Bearer <key>'.",
                          code="invalid_api_key")
        fault = state.take_fault(path)
        if fault is not None and fault.status is not None:
            return _error(fault.status, f"Emulated fault: HTTP {fault.status}.")
        return None

    async def upload(request: Request) -> Response:
        async with request.form(max_part_size=BATCH_MAX_FILE_BYTES + 1) as form:
            upload_file = form.get("file")
            purpose = form.get("purpose")
            content = await upload_file.read() if hasattr(upload_file, "read") else None
            filename = getattr(upload_file, "filename", None) or "upload.jsonl"
        stop = admit(request, FILES_PATH, {"purpose": purpose, "filename": filename,
                                           "bytes": len(content or b"")})
        if stop is not None:
            return stop
        if content is None:
            return _error(400, "Send the file as multipart field `file`.", param="file")
        if purpose not in _FILE_PURPOSES:
            return _error(400, f"`purpose` must be one of {', '.join(_FILE_PURPOSES)}.",
                          param="purpose")
        if len(content) > BATCH_MAX_FILE_BYTES:
            return _error(400, f"The file is {len(content)} bytes; at most "
                          f"{BATCH_MAX_FILE_BYTES} bytes (100 MB) per file.", param="file",
                          code="file_too_large")
        return JSONResponse(store.add_file(filename, str(purpose), content).info())

    async def list_files(request: Request) -> Response:
        stop = admit(request, FILES_PATH, None)
        if stop is not None:
            return stop
        return JSONResponse({"object": "list", "data": [f.info() for f in store.files.values()],
                             "has_more": False})

    def find_file(request: Request) -> StoredFile | Response:
        file_id = request.path_params["file_id"]
        stored = store.files.get(file_id)
        return stored if stored is not None else _error(
            404, f"No such file: {file_id}.", param="file_id", code="not_found")

    async def file_info(request: Request) -> Response:
        stop = admit(request, FILES_PATH, None)
        found = stop or find_file(request)
        return found if isinstance(found, Response) else JSONResponse(found.info())

    async def file_content(request: Request) -> Response:
        stop = admit(request, FILES_PATH, None)
        found = stop or find_file(request)
        if isinstance(found, Response):
            return found
        return Response(found.content, media_type="application/octet-stream")

    async def delete_file(request: Request) -> Response:
        stop = admit(request, FILES_PATH, None)
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
        stop = admit(request, BATCHES_PATH, body)
        if stop is not None:
            return stop
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object.")
        if body.get("endpoint") != BATCH_ENDPOINT:
            return _error(400, f"`endpoint` must be {BATCH_ENDPOINT}.", param="endpoint")
        if body.get("completion_window") not in BATCH_COMPLETION_WINDOWS:
            return _error(400, "`completion_window` must be one of "
                          f"{', '.join(BATCH_COMPLETION_WINDOWS)}.", param="completion_window")
        stored = store.files.get(str(body.get("input_file_id")))
        if stored is None:
            return _error(404, f"No such file: {body.get('input_file_id')}.",
                          param="input_file_id", code="not_found")
        if stored.purpose != "batch":
            return _error(400, "The input file was not uploaded with purpose `batch`.",
                          param="input_file_id")
        now = int(time.time())
        batch = {
            "id": store.new_id("batch"), "object": "batch", "endpoint": BATCH_ENDPOINT,
            "errors": None, "input_file_id": stored.id,
            "completion_window": body["completion_window"], "status": "validating",
            "output_file_id": None, "error_file_id": None, "created_at": now,
            "in_progress_at": None, "expires_at": now + 3600 * int(
                body["completion_window"].rstrip("h")),
            "finalizing_at": None, "completed_at": None, "failed_at": None,
            "expired_at": None, "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        store.batches[batch["id"]] = batch
        auth = request.headers.get("authorization", "")
        task = asyncio.create_task(_run(store, batch, stored.content, store.take_fault(),
                                        request.app, auth))
        store._tasks.add(task)
        task.add_done_callback(store._tasks.discard)
        return JSONResponse(batch)

    def find_batch(request: Request) -> dict[str, Any] | Response:
        batch_id = request.path_params["batch_id"]
        batch = store.batches.get(batch_id)
        return batch if batch is not None else _error(
            404, f"No such batch: {batch_id}.", param="batch_id", code="not_found")

    async def retrieve_batch(request: Request) -> Response:
        stop = admit(request, BATCHES_PATH, None)
        found = stop or find_batch(request)
        return found if isinstance(found, Response) else JSONResponse(found)

    async def cancel_batch(request: Request) -> Response:
        stop = admit(request, BATCHES_PATH, None)
        found = stop or find_batch(request)
        if isinstance(found, Response):
            return found
        if found["status"] in BATCH_FINAL_STATUSES:
            return _error(400, f"Batch {found['id']} is {found['status']} and cannot be "
                          "cancelled.", code="batch_not_cancellable")
        found.update(status="cancelling", cancelling_at=int(time.time()))
        store._cancel.add(found["id"])
        return JSONResponse(found)

    async def list_batches(request: Request) -> Response:
        stop = admit(request, BATCHES_PATH, None)
        if stop is not None:
            return stop
        limit = int(request.query_params.get("limit", 20))
        after = request.query_params.get("after")
        ordered = sorted(store.batches.values(), key=lambda b: b["id"], reverse=True)
        if after:
            ordered = [b for b in ordered if b["id"] < after]
        page = ordered[:limit]
        return JSONResponse({
            "object": "list", "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(ordered) > limit, "count": len(page), "page": 1,
            "page_count": 1, "items_per_page": limit,
        })

    async def control_faults(request: Request) -> Response:
        for spec in (await request.json()).get("faults", []):
            spec["failing_lines"] = frozenset(spec.get("failing_lines", ()))
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
        Route(FILES_PATH + "/{file_id}/content", file_content, methods=["GET"]),
        Route(BATCHES_PATH, create_batch, methods=["POST"]),
        Route(BATCHES_PATH, list_batches, methods=["GET"]),
        Route(BATCHES_PATH + "/{batch_id}", retrieve_batch, methods=["GET"]),
        Route(BATCHES_PATH + "/{batch_id}/cancel", cancel_batch, methods=["POST"]),
    ]


def _input_problems(lines: list[Any], cap: int | None) -> list[dict[str, Any]]:
    """Why the input file as a whole is refused (the batch then fails), if it is."""
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            problems.append({"code": "invalid_json_line", "line": number,
                             "message": f"Line {number} is not a JSON object."})
            continue
        custom_id = line.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            problems.append({"code": "missing_custom_id", "line": number,
                             "message": f"Line {number} has no string `custom_id`."})
        elif custom_id in seen:
            problems.append({"code": "duplicate_custom_id", "line": number,
                             "message": f"custom_id {custom_id!r} is used more than once."})
        else:
            seen.add(custom_id)
        if line.get("method") != "POST" or line.get("url") != BATCH_ENDPOINT:
            problems.append({"code": "invalid_url", "line": number,
                             "message": f"Line {number} must be a POST to {BATCH_ENDPOINT}."})
        if not isinstance(line.get("body"), dict):
            problems.append({"code": "invalid_body", "line": number,
                             "message": f"Line {number} has no JSON object `body`."})
    if not lines:
        problems.append({"code": "empty_file", "line": None,
                         "message": "The input file has no requests."})
    if cap is not None and len(lines) > cap:
        problems.append({"code": "too_many_requests", "line": None,
                         "message": f"{len(lines)} requests; this plan allows at most {cap} "
                                    "per batch."})
    return problems


def _parse_lines(content: bytes) -> list[Any]:
    lines: list[Any] = []
    for raw in io.BytesIO(content):
        if not raw.strip():
            continue
        try:
            lines.append(json.loads(raw))
        except json.JSONDecodeError:
            lines.append(None)
    return lines


async def _answer_line(app: Any, auth: str, batch_id: str, line: dict[str, Any]) -> tuple[
        int, Any]:
    """The chat route's answer to one line: ``(status_code, body)``."""
    body = line["body"]
    if body.get("stream"):
        return 400, {"error": {"message": "Batch requests cannot stream; remove `stream`.",
                               "type": "invalid_request_error", "param": "stream",
                               "code": "unsupported_parameter"}}
    endpoint = next(r.endpoint for r in app.router.routes if getattr(r, "path", None) == CHAT_PATH)
    raw = json.dumps(body).encode()
    scope = {"type": "http", "method": "POST", "path": CHAT_PATH, "root_path": "",
             "query_string": b"", "app": app, "headers": [
                 (b"authorization", auth.encode()),
                 (b"content-type", b"application/json"),
                 (BATCH_LINE_HEADER.encode(), f"{batch_id}/{line['custom_id']}".encode())]}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    response = await endpoint(Request(scope, receive))
    return response.status_code, json.loads(response.body)


async def _run(store: BatchStore, batch: dict[str, Any], content: bytes, fault: BatchFault,
               app: Any, auth: str) -> None:
    """Carry one batch through its states, answering each line with the chat route."""
    clock = store.clock
    generation = store.generation
    per_line = fault.seconds_per_line if fault.seconds_per_line is not None \
        else clock.seconds_per_line
    await asyncio.sleep(clock.validating_seconds)
    if store.generation != generation:
        return
    lines = _parse_lines(content)
    problems = _input_problems(lines, store.max_requests_per_batch)
    if fault.fail:
        problems.append({"code": "emulated_failure", "line": None, "message": fault.fail})
    if problems and batch["id"] not in store._cancel:
        batch.update(status="failed", failed_at=int(time.time()),
                     errors={"object": "list", "data": [{**p, "param": None}
                                                        for p in problems]})
        return
    counts = batch["request_counts"]
    counts["total"] = len(lines)
    batch.update(status="in_progress", in_progress_at=int(time.time()))
    outputs: list[bytes] = []
    errors: list[bytes] = []
    ended = "completed"
    for number, line in enumerate(lines):
        if store.generation != generation:
            return
        if batch["id"] in store._cancel:
            ended = "cancelled"
        elif fault.expire_after is not None and number >= fault.expire_after:
            ended = "expired"
        if ended != "completed":
            reason = {"cancelled": ("batch_cancelled", "The batch was cancelled."),
                      "expired": ("batch_expired", "The batch expired before this request "
                                  "ran.")}[ended]
            errors.extend(_result_line(store, left, None, None, reason) for left in lines[number:])
            counts["failed"] += len(lines) - number
            break
        if line["custom_id"] in fault.failing_lines:
            status, answer = 500, {"error": {"message": "Emulated fault: HTTP 500.",
                                             "type": "server_error", "param": None,
                                             "code": None}}
        else:
            status, answer = await _answer_line(app, auth, batch["id"], line)
        if status == 200:
            outputs.append(_result_line(store, line, status, answer, None))
            counts["completed"] += 1
        else:
            errors.append(_result_line(store, line, status, answer, None))
            counts["failed"] += 1
        if per_line:
            await asyncio.sleep(per_line)
        elif number % 200 == 199:
            await asyncio.sleep(0)
    if ended == "completed":
        batch.update(status="finalizing", finalizing_at=int(time.time()))
        await asyncio.sleep(clock.finalizing_seconds)
    if store.generation != generation:
        return
    shuffler = random.Random(batch["id"])
    for name, written in (("output_file_id", outputs), ("error_file_id", errors)):
        if written:
            shuffler.shuffle(written)
            stored = store.add_file(f"{batch['id']}_{name[:-8]}.jsonl", "batch_output",
                                    b"".join(written))
            batch[name] = stored.id
    batch.update(status=ended, **{f"{ended}_at": int(time.time())})
    store._cancel.discard(batch["id"])


def _result_line(store: BatchStore, line: dict[str, Any], status: int | None, body: Any,
                 error: tuple[str, str] | None) -> bytes:
    response = None if status is None else {
        "status_code": status, "request_id": store.new_id("req"), "body": body}
    result = {"id": store.new_id("batch_req"), "custom_id": line["custom_id"],
              "response": response,
              "error": None if error is None else {"code": error[0], "message": error[1]}}
    return json.dumps(result).encode() + b"\n"
