"""``kluster-batch status`` / ``results`` print what a finished job cost: each result's USD
at the job's completion window price, and the job's total beside real-time."""

from __future__ import annotations

import io
import json

import pytest

from kluster_integrations.core.batch_api._cli import main
from kluster_integrations.emulator._batch_store import BatchFault
from kluster_integrations.langchain.chat_models import ChatKluster


def run(*argv: str) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, [json.loads(row) for row in out.getvalue().splitlines()], err.getvalue()


def test_status_and_results_print_the_cost(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(seconds_per_line=0.5))
    job = ChatKluster().submit_batch(["alpha", "beta"], completion_window="24h")
    code, (running,), _ = run("status", job.id)
    assert code == 0 and running["cost"] is None  # not finished: nothing to price yet
    job.wait(poll_interval=0.01, progress=False)

    code, rows, err = run("results", job.id)
    assert (code, err) == (0, "")
    for row in rows:
        usage = row["response"]["usage"]
        tokens = usage["prompt_tokens"] + usage["completion_tokens"]
        assert row["cost_usd"] == pytest.approx(tokens * 0.20e-6, rel=1e-12)

    code, (status,), _ = run("status", job.id)
    cost = status["cost"]
    assert code == 0 and cost["window"] == "24h"
    assert (cost["requests"], cost["unpriced_requests"]) == (2, 0)
    assert cost["total_usd"] == pytest.approx(sum(row["cost_usd"] for row in rows))
    assert cost["realtime_usd"] == pytest.approx(cost["total_usd"] * 0.70 / 0.20)
    assert cost["savings_usd"] == pytest.approx(cost["realtime_usd"] - cost["total_usd"])
