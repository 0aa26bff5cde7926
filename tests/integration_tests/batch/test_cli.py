"""``python -m kluster_integrations.core.batch_api``: status, wait, results, cancel, list."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kluster_integrations.core.batch_api._cli import main
from kluster_integrations.emulator._batch_store import BatchFault
from kluster_integrations.langchain.chat_models import ChatKluster

ROOT = Path(__file__).resolve().parents[3]


def run(*argv: str) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, [json.loads(row) for row in out.getvalue().splitlines()], err.getvalue()


def test_results_print_jsonl_in_input_order_from_another_process(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"second"})))
    job = ChatKluster().submit_batch(
        ["alpha", "beta", "gamma"], custom_ids=["first", "second", "third"]
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "kluster_integrations.core.batch_api", "results", job.id, "--wait"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    rows = [json.loads(row) for row in done.stdout.splitlines()]
    assert [(r["index"], r["custom_id"]) for r in rows] == [
        (0, "first"),
        (1, "second"),
        (2, "third"),
    ]
    assert rows[0]["response"]["choices"][0]["message"]["content"].endswith('"alpha".')
    assert rows[1]["error"]["status_code"] == 500 and "response" not in rows[1]


def test_status_wait_cancel_and_list(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(seconds_per_line=0.02))
    job = ChatKluster().submit_batch([f"t{i}" for i in range(30)])
    code, [status], _ = run("status", job.id)
    assert code == 0 and status["id"] == job.id and status["total"] == 30
    assert status["status"] in ("validating", "in_progress")
    code, [cancelled], _ = run("cancel", job.id)
    assert cancelled["status"] in ("cancelling", "cancelled")
    code, [final], _ = run("wait", job.id, "--poll-interval", "0.01", "--no-progress")
    assert (code, final["status"]) == (0, "cancelled")
    code, listed, _ = run("list")
    assert listed[0]["id"] == job.id and listed[0]["status"] == "cancelled"


def test_errors_are_one_line_and_exit_1(kluster_env, kluster_batches):
    code, rows, err = run("status", "batch_nope")
    assert (code, rows) == (1, [])
    assert err.startswith("error: kluster.ai has no batch 'batch_nope'")
    kluster_batches.add_fault(BatchFault(seconds_per_line=1.0))  # still running when asked
    job = ChatKluster().submit_batch(["a", "b"])
    code, _, err = run("results", job.id)
    assert code == 1 and "still" in err and "wait" in err


def test_files_are_saved_under_names_of_our_own_in_the_folder_given(
    kluster_env, kluster_batches, tmp_path
):
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"request-1"})))
    job = ChatKluster().submit_batch(["a", "b", "c"])
    job.wait(poll_interval=0.01, progress=False)
    out, err = io.StringIO(), io.StringIO()
    assert main(["files", job.id, "--to", str(tmp_path / "raw")], out=out, err=err) == 0
    names = ["batch-0-input.jsonl", "batch-0-output.jsonl", "batch-0-error.jsonl"]
    assert out.getvalue().splitlines() == [str(tmp_path / "raw" / name) for name in names]
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["raw", *names])
    [batch] = kluster_batches.batches.values()
    for name, field in zip(names, ("input", "output", "error"), strict=True):
        stored = kluster_batches.files[batch[f"{field}_file_id"]]
        assert (tmp_path / "raw" / name).read_bytes() == stored.content
    # a folder that cannot be made is one line too, not a traceback
    code, _, err = run("files", job.id, "--to", str(tmp_path / "raw" / names[0]))
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_a_lone_surrogate_in_a_result_is_printed_escaped(kluster_env, kluster_batches, encoding):
    kluster_batches.add_fault(BatchFault(reply_text="é \ud800"))
    job = ChatKluster().submit_batch(["a"])
    job.wait(poll_interval=0.01, progress=False)
    stdout = io.TextIOWrapper(io.BytesIO(), encoding=encoding)  # as a terminal or pipe
    err = io.StringIO()
    code = main(["results", job.id], out=stdout, err=err)
    stdout.flush()
    [row] = stdout.buffer.getvalue().decode(encoding).splitlines()
    assert (code, err.getvalue()) == (0, "")
    assert json.loads(row)["response"]["choices"][0]["message"]["content"] == "é \ud800"


def test_cancel_on_a_finished_job_says_nothing_was_cancelled_and_exits_1(
    kluster_env, kluster_batches
):
    job = ChatKluster().submit_batch(["a", "b"])
    job.wait(poll_interval=0.01, progress=False)
    kluster_env.reset()
    code, [status], err = run("cancel", job.id)
    assert code == 1 and status["status"] == "completed"
    assert err == f"error: batch {job.id} is already completed: nothing was cancelled.\n"
    assert {r.method for r in kluster_env.requests} == {"GET"}  # no cancel was posted
