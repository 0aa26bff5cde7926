"""Every client the package builds for the Batch API carries the answer guards: the CLI's
and the async twin a job makes beside a sync client it was given. A login page where a
batch status belongs is a typed error naming what came back, not a crash or a silent
string."""

from __future__ import annotations

import io

import openai
import pytest

from kluster_integrations.core.batch_api import attach
from kluster_integrations.core.batch_api._cli import main
from kluster_integrations.core.errors import MalformedResponseError
from kluster_integrations.emulator._batch_store import BatchFault
from kluster_integrations.langchain.chat_models import ChatKluster


def submitted(kluster_batches) -> str:
    kluster_batches.add_fault(BatchFault(seconds_per_line=0.5))
    return ChatKluster().submit_batch(["one"]).id


def test_cli_status_refuses_a_login_page(kluster_env, kluster_batches):
    job_id = submitted(kluster_batches)
    kluster_env.add_fault(answer="html_page", path="/v1/batches")
    out, err = io.StringIO(), io.StringIO()
    assert main(["status", job_id], out=out, err=err) == 1
    assert out.getvalue() == ""
    assert err.getvalue().startswith("error: ") and "text/html" in err.getvalue()
    assert len(err.getvalue().splitlines()) == 1


async def test_async_twin_of_a_given_sync_client_is_guarded(kluster_env, kluster_batches):
    job_id = submitted(kluster_batches)
    plain = openai.OpenAI(api_key="emulator-key", base_url=kluster_env.base_url, max_retries=0)
    job = attach(plain, job_id)
    kluster_env.add_fault(answer="html_page", path="/v1/batches")
    with pytest.raises(MalformedResponseError, match="text/html"):
        await job.astatus()
