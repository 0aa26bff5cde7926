"""How the emulator runs one batch: validate the file, answer each line, write the files.

Each line is answered by the emulator's own ``/v1/chat/completions`` route, called in
process, so it passes exactly the checks a real-time request passes and is logged with a
``x-kluster-batch: <batch id>/<custom_id>`` header. Answers go to the output file in
shuffled order, failures (HTTP errors, and lines that never ran) to the error file.

Example::

    asyncio.create_task(run_batch(store, batch, content, store.take_fault(), app, auth))
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import time
from typing import Any

from starlette.requests import Request

from kluster_integrations.core.contract import BATCH_ENDPOINT, BATCH_LINE_STREAM_FIELDS
from kluster_integrations.emulator._batch_store import BatchFault, BatchStore
from kluster_integrations.emulator._state import CHAT_PATH

#: Header on each line's logged chat request: ``<batch id>/<custom_id>``.
BATCH_LINE_HEADER = "x-kluster-batch"


def _input_problems(lines: list[Any], cap: int | None) -> list[dict[str, Any]]:
    """Why the input file as a whole is refused (the batch then fails), if it is."""
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            problems.append(
                {
                    "code": "invalid_json_line",
                    "line": number,
                    "message": f"Line {number} is not a JSON object.",
                }
            )
            continue
        custom_id = line.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            problems.append(
                {
                    "code": "missing_custom_id",
                    "line": number,
                    "message": f"Line {number} has no string `custom_id`.",
                }
            )
        elif custom_id in seen:
            problems.append(
                {
                    "code": "duplicate_custom_id",
                    "line": number,
                    "message": f"custom_id {custom_id!r} is used more than once.",
                }
            )
        else:
            seen.add(custom_id)
        if line.get("method") != "POST" or line.get("url") != BATCH_ENDPOINT:
            problems.append(
                {
                    "code": "invalid_url",
                    "line": number,
                    "message": f"Line {number} must be a POST to {BATCH_ENDPOINT}.",
                }
            )
        if not isinstance(line.get("body"), dict):
            problems.append(
                {
                    "code": "invalid_body",
                    "line": number,
                    "message": f"Line {number} has no JSON object `body`.",
                }
            )
    if not lines:
        problems.append(
            {"code": "empty_file", "line": None, "message": "The input file has no requests."}
        )
    if cap is not None and len(lines) > cap:
        problems.append(
            {
                "code": "too_many_requests",
                "line": None,
                "message": f"{len(lines)} requests; this plan allows at most {cap} per batch.",
            }
        )
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


async def _answer_line(app: Any, auth: str, batch_id: str, line: dict[str, Any]) -> tuple[int, Any]:
    """The chat route's answer to one line: ``(status_code, body)``."""
    body = line["body"]
    if any(body.get(name) for name in BATCH_LINE_STREAM_FIELDS):
        return 400, {
            "error": {
                "message": "Batch requests cannot stream; remove `stream` and `stream_options`.",
                "type": "invalid_request_error",
                "param": "stream",
                "code": "unsupported_parameter",
            }
        }
    endpoint = next(r.endpoint for r in app.router.routes if getattr(r, "path", None) == CHAT_PATH)
    raw = json.dumps(body).encode()
    scope = {
        "type": "http",
        "method": "POST",
        "path": CHAT_PATH,
        "root_path": "",
        "query_string": b"",
        "app": app,
        "headers": [
            (b"authorization", auth.encode()),
            (b"content-type", b"application/json"),
            (BATCH_LINE_HEADER.encode(), f"{batch_id}/{line['custom_id']}".encode()),
        ],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    response = await endpoint(Request(scope, receive))
    try:
        return response.status_code, json.loads(response.body)
    except json.JSONDecodeError:  # a queued fault answered this line with a broken body
        return 500, {"error": {"message": "The answer was not JSON.", "type": "server_error"}}


async def run_batch(
    store: BatchStore, batch: dict[str, Any], content: bytes, fault: BatchFault, app: Any, auth: str
) -> None:
    """Carry one batch through its states, answering each line with the chat route; an
    error in the emulator itself fails the batch, so no client waits on it forever."""
    try:
        await _carry(store, batch, content, fault, app, auth)
    except Exception as err:
        batch.update(
            status="failed",
            failed_at=int(time.time()),
            errors={
                "object": "list",
                "data": [
                    {"code": "emulator_error", "line": None, "message": repr(err), "param": None}
                ],
            },
        )


async def _carry(
    store: BatchStore, batch: dict[str, Any], content: bytes, fault: BatchFault, app: Any, auth: str
) -> None:
    clock = store.clock
    generation = store.generation
    per_line = (
        fault.seconds_per_line if fault.seconds_per_line is not None else clock.seconds_per_line
    )
    await asyncio.sleep(clock.validating_seconds)
    if store.generation != generation:
        return
    lines = _parse_lines(content)
    problems = _input_problems(lines, store.max_requests_per_batch)
    if fault.fail:
        problems.append({"code": "emulated_failure", "line": None, "message": fault.fail})
    if problems and batch["id"] not in store._cancel:
        batch.update(
            status="failed",
            failed_at=int(time.time()),
            errors={"object": "list", "data": [{**p, "param": None} for p in problems]},
        )
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
            reason = {
                "cancelled": ("batch_cancelled", "The batch was cancelled."),
                "expired": ("batch_expired", "The batch expired before this request ran."),
            }[ended]
            errors.extend(_result_line(store, left, None, None, reason) for left in lines[number:])
            counts["failed"] += len(lines) - number
            break
        if line["custom_id"] in fault.failing_lines:
            status, answer = (
                500,
                {
                    "error": {
                        "message": fault.failure_message,
                        "type": "server_error",
                        "param": None,
                        "code": None,
                    }
                },
            )
        else:
            status, answer = await _answer_line(app, auth, batch["id"], line)
            if status == 200 and fault.reply_text is not None:
                answer["choices"][0]["message"]["content"] = fault.reply_text
        result = _result_line(store, line, status, answer, None)
        written = _damaged(fault, line["custom_id"], result)
        if status == 200:
            outputs.extend(written)
            counts["completed"] += 1
        else:
            errors.extend(written)
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
            stored = store.add_file(
                f"{batch['id']}_{name[:-8]}.jsonl",
                "batch_output",
                b"".join(written),
                file_id=getattr(fault, name),
            )
            stored.media_type = fault.files_media_type
            stored.cuts_left = fault.cut_downloads
            batch[name] = stored.id
    batch.update(status=ended, **{f"{ended}_at": int(time.time())})
    store._cancel.discard(batch["id"])


def _damaged(fault: BatchFault, custom_id: str, line: bytes) -> list[bytes]:
    """The lines written for one result: as is, or as ``fault`` damages them."""
    if custom_id in fault.dropped_lines:
        return []
    if custom_id in fault.garbled_lines:
        quoted = json.dumps(custom_id).encode()
        line = line.replace(b'"custom_id": ' + quoted, b'"custom_id": "\xff\xfe' + quoted[1:], 1)
    return [line, line] if custom_id in fault.duplicated_lines else [line]


def _result_line(
    store: BatchStore,
    line: dict[str, Any],
    status: int | None,
    body: Any,
    error: tuple[str, str] | None,
) -> bytes:
    response = (
        None
        if status is None
        else {"status_code": status, "request_id": store.new_id("req"), "body": body}
    )
    result = {
        "id": store.new_id("batch_req"),
        "custom_id": line["custom_id"],
        "response": response,
        "error": None if error is None else {"code": error[0], "message": error[1]},
    }
    return json.dumps(result).encode() + b"\n"
