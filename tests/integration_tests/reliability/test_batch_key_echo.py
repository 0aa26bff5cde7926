"""A batch result line whose error echoes the API key (raw or JSON-escaped) never shows it:
not in the item's message, its ``str``/``repr``, nor its ``body``, whether the results are
read converted (``results``, ``iter_results``, ``aresults``) or raw (``iter_raw``)."""

from __future__ import annotations

import asyncio
import json

import pytest

from kluster_integrations.core.errors import BatchItemError
from kluster_integrations.emulator._batch_store import BatchFault
from kluster_integrations.emulator._server import EMULATOR_API_KEY
from kluster_integrations.langchain.chat_models import ChatKluster

ECHOES = {
    "raw": f"invalid key {EMULATOR_API_KEY}",
    "json_escaped": "invalid key " + "".join(f"\\u{ord(c):04x}" for c in EMULATOR_API_KEY),
}


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
def test_key_echoed_in_a_failed_line_is_masked(kluster_env, kluster_batches, echo):
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"b"}), failure_message=echo))
    job = ChatKluster().submit_batch(["one", "two"], custom_ids=["a", "b"])
    job.wait(poll_interval=0.01, progress=False)
    failed = job.results(return_exceptions=True)[1]
    streamed = list(job.iter_results())[1]
    awaited = asyncio.run(job.aresults(return_exceptions=True))[1]
    raw = [item.error for item in job.iter_raw() if item.error is not None]
    assert len(raw) == 1
    for error in (failed, streamed, awaited, raw[0]):
        assert isinstance(error, BatchItemError)
        shown = " ".join([str(error), repr(error), error.message, json.dumps(error.body)])
        assert "invalid key ***" in error.message
        assert EMULATOR_API_KEY not in shown and EMULATOR_API_KEY not in json.loads(
            json.dumps(shown)
        )
        assert "\\u" + f"{ord(EMULATOR_API_KEY[0]):04x}" not in shown
