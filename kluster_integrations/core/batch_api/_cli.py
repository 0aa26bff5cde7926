"""Batch jobs from the command line: ``kluster-batch`` (or ``python -m
kluster_integrations.core.batch_api``).

For jobs started from a notebook or another process (``ChatKluster.submit_batch``,
``KlusterLLM.submit_batch``), with the key and URL from ``KLUSTER_API_KEY`` /
``KLUSTER_BASE_URL``::

    kluster-batch status  BATCH_ID
    kluster-batch wait    BATCH_ID [--poll-interval 30] [--timeout 3600]
    kluster-batch results BATCH_ID [--wait] > answers.jsonl
    kluster-batch files   BATCH_ID --to FOLDER
    kluster-batch cancel  BATCH_ID
    kluster-batch list    [--limit 20]

``results`` prints one JSON line per request in input order: ``{"index", "custom_id",
"response", "cost_usd"}`` with the chat completion and its USD at the job's completion
window price (``null`` when unknown), or ``{"index", "custom_id", "error"}``; it exits 1
when some lines of the batch's files were missing, repeated or unreadable. ``status`` and
``wait`` of a finished job add ``cost``: USD at the window's prices beside the same tokens
real-time (``KlusterBatch.cost``). ``files`` saves the raw files as
``FOLDER/batch-<n>-<input|output|error>.jsonl``. ``cancel`` on a job that has already
finished prints its status, says on stderr that nothing was cancelled and exits 1.

Nothing is written but stdout, stderr and the folder ``files --to`` names. Every error is
one line on stderr (``error: ...``, no traceback) and exit status 1; so is a ``results``
run where some lines of the batch's files were missing, repeated or unreadable (the
other results are printed).

Example::

    main(["results", "batch_abc", "--wait"])     # JSONL on stdout, in input order
    main(["files", "batch_abc", "--to", "raw"])  # raw/batch-0-output.jsonl, ...
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import httpx
import openai

from kluster_integrations.core.batch_api._job import KlusterBatch
from kluster_integrations.core.batch_api._status import BatchStatus
from kluster_integrations.core.batch_api._submit import attach
from kluster_integrations.core.contract import BATCH_FINAL_STATUSES, DEFAULT_MAX_RETRIES
from kluster_integrations.core.cost import BatchCost
from kluster_integrations.core.errors import BatchOutputLineError, KlusterError
from kluster_integrations.core.transport import (
    guarded_sync_http_client,
    resolve_api_key,
    resolve_base_url,
)

#: Statuses of a batch that ``cancel`` leaves alone.
_NOT_CANCELLABLE = frozenset({*BATCH_FINAL_STATUSES, "cancelling"})
#: Unreadable results named in the summary line (the rest are counted).
_BAD_SHOWN = 5
#: A surrogate code point (only ever lone in a ``str`` from JSON): no encoding can write it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kluster_integrations.core.batch_api",
        description="Watch and collect kluster.ai batch jobs (KLUSTER_API_KEY, "
        "KLUSTER_BASE_URL). A job id is a batch id, or batch ids joined by '+'.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="print status and counts").add_argument("batch_id")
    wait = commands.add_parser("wait", help="wait until finished, with a progress bar")
    wait.add_argument("batch_id")
    wait.add_argument("--poll-interval", type=float, default=None)
    wait.add_argument("--timeout", type=float, default=None)
    wait.add_argument("--no-progress", action="store_true")
    results = commands.add_parser("results", help="print every result as JSONL, input order")
    results.add_argument("batch_id")
    results.add_argument("--wait", action="store_true", help="wait for the job first")
    files = commands.add_parser(
        "files", help="save the raw input, output and error files (batch-<n>-<kind>.jsonl)"
    )
    files.add_argument("batch_id")
    files.add_argument("--to", required=True, metavar="FOLDER", help="where to save them")
    commands.add_parser("cancel", help="cancel the job").add_argument("batch_id")
    listing = commands.add_parser("list", help="list recent batches")
    listing.add_argument("--limit", type=int, default=20)
    return parser


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run one command; returns the exit status (1 for an error, or unreadable results)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    try:
        client = openai.OpenAI(
            api_key=resolve_api_key(),
            base_url=resolve_base_url(),
            max_retries=DEFAULT_MAX_RETRIES,
            http_client=guarded_sync_http_client(),
        )
        if args.command == "list":
            for batch in client.batches.list(limit=args.limit).data:
                _print(
                    out,
                    {
                        "id": batch.id,
                        "status": batch.status,
                        "created_at": batch.created_at,
                        "request_counts": _counts(batch),
                    },
                )
            return 0
        job = attach(client, args.batch_id)
        if args.command == "status":
            _print(out, _status(job, job.status()))
        elif args.command == "wait":
            _print(
                out,
                _status(
                    job,
                    job.wait(
                        poll_interval=args.poll_interval,
                        timeout=args.timeout,
                        progress=not args.no_progress,
                    ),
                ),
            )
        elif args.command == "cancel":
            return _cancel(job, out, err)
        elif args.command == "files":
            for path in job.download_files(args.to):
                out.write(f"{path}\n")
        else:
            if args.wait:
                job.wait(progress=False)
            return _results(job, out, err)
    except (KlusterError, openai.OpenAIError, httpx.HTTPError, OSError, UnicodeError) as error:
        _report(err, str(error) or type(error).__name__)
        return 1
    return 0


def _cancel(job: KlusterBatch, out: TextIO, err: TextIO) -> int:
    """Cancel what still runs and print the status; a job already finished is reported as
    nothing cancelled (exit status 1)."""
    state = job.status()
    if all(batch.status in _NOT_CANCELLABLE for batch in state.batches):
        _print(out, _status(job, state))
        _report(err, f"batch {job.id} is already {state.status}: nothing was cancelled.")
        return 1
    _print(out, _status(job, job.cancel()))
    return 0


def _results(job: KlusterBatch, out: TextIO, err: TextIO) -> int:
    """Print every result; report the ones the batch's files got wrong (exit status 1)."""
    shown: list[str] = []
    bad = total = 0
    for item, charge in job.iter_charges():
        total += 1
        record: dict[str, Any] = {"index": item.index, "custom_id": item.custom_id}
        if item.error is None:
            record["response"] = item.body
            record["cost_usd"] = charge.usd if charge is not None else None
        else:
            record["error"] = {
                "status_code": item.error.status_code,
                "code": item.error.code,
                "message": item.error.message,
            }
            if isinstance(item.error, BatchOutputLineError):
                bad += 1
                if len(shown) < _BAD_SHOWN:
                    shown.append(f"{item.custom_id!r} ({item.error.code})")
        _print(out, record)
    if bad:
        more = ", ..." if bad > len(shown) else ""
        _report(
            err,
            f"{bad} of {total} results could not be read from the batch's files: "
            f"{', '.join(shown)}{more}. Their lines say why; the other results are printed.",
        )
    return 1 if bad else 0


def _counts(batch: Any) -> dict[str, int] | None:
    counts = batch.request_counts
    return (
        None
        if counts is None
        else {"total": counts.total, "completed": counts.completed, "failed": counts.failed}
    )


def _status(job: KlusterBatch, state: BatchStatus) -> dict[str, Any]:
    return {
        "id": job.id,
        "cost": _cost(job.cost()) if state.done else None,
        "status": state.status,
        "total": state.total,
        "completed": state.completed,
        "failed": state.failed,
        "batches": [
            {
                "id": b.id,
                "status": b.status,
                "output_file_id": b.output_file_id,
                "error_file_id": b.error_file_id,
            }
            for b in state.batches
        ],
    }


def _cost(cost: BatchCost) -> dict[str, Any]:
    return {
        "window": cost.window,
        "total_usd": cost.total_usd,
        "realtime_usd": cost.realtime_usd,
        "savings_usd": cost.savings_usd,
        "input_tokens": cost.input_tokens,
        "output_tokens": cost.output_tokens,
        "requests": cost.requests,
        "unpriced_requests": cost.unpriced_requests,
    }


def _print(out: TextIO, record: dict[str, Any]) -> None:
    """``record`` as one JSON line; text as is, but a lone surrogate as its ``\\u`` escape,
    and all non-ASCII escaped for an ``out`` that cannot encode it (an ASCII locale)."""
    text = _SURROGATE.sub(
        lambda found: f"\\u{ord(found[0]):04x}", json.dumps(record, ensure_ascii=False)
    )
    try:
        out.write(text + "\n")
    except UnicodeEncodeError:  # a text stream encodes the whole text before writing any
        out.write(json.dumps(record) + "\n")


def _report(err: TextIO, message: str) -> None:
    """``message`` as one line on ``err``, control characters escaped."""
    text = " ".join(message.split())
    err.write("error: " + "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text) + "\n")
