"""The emulator's /v1/files and /v1/batches, driven with the plain openai SDK."""

from __future__ import annotations

import json
import time

import openai
import pytest

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.emulator._batch_runner import BATCH_LINE_HEADER
from kluster_integrations.emulator._batch_store import BatchClock, BatchFault

FINAL = ("completed", "failed", "expired", "cancelled")


def client_for(emulator) -> openai.OpenAI:
    return openai.OpenAI(base_url=emulator.base_url, api_key="k", max_retries=0)


def line(custom_id: str, **body_extra) -> dict:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": DEFAULT_CHAT_MODEL,
            "messages": [{"role": "user", "content": f"text {custom_id}"}],
            **body_extra,
        },
    }


def jsonl(lines) -> bytes:
    return "".join(json.dumps(item) + "\n" for item in lines).encode()


def start(client, lines, window="24h"):
    uploaded = client.files.create(file=("input.jsonl", jsonl(lines)), purpose="batch")
    return client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window=window
    )


def finish(client, batch, seen=None):
    deadline = time.monotonic() + 10
    while batch.status not in FINAL:
        assert time.monotonic() < deadline, batch
        time.sleep(0.005)
        batch = client.batches.retrieve(batch.id)
        if seen is not None:
            seen.append(batch.status)
    return batch


def records(client, file_id) -> list[dict]:
    return [json.loads(row) for row in client.files.content(file_id).text.splitlines()]


def test_a_batch_moves_through_its_states_and_answers_every_line(kluster_env, kluster_batches):
    # Each state lasts long enough (0.25 s, 0.5 s) for a poll to see it on a busy machine.
    kluster_batches.clock = BatchClock(
        validating_seconds=0.05, seconds_per_line=0.05, finalizing_seconds=0.5
    )
    client = client_for(kluster_env)
    batch = start(client, [line(f"q-{i}") for i in range(5)])
    assert batch.status == "validating"
    seen: list[str] = []
    batch = finish(client, batch, seen)
    assert batch.status == "completed"
    assert {"in_progress", "finalizing"} <= set(seen)
    assert batch.request_counts.model_dump() == {"total": 5, "completed": 5, "failed": 0}
    assert batch.error_file_id is None
    answers = records(client, batch.output_file_id)
    assert sorted(a["custom_id"] for a in answers) == [f"q-{i}" for i in range(5)]
    for answer in answers:
        assert answer["error"] is None
        assert answer["response"]["status_code"] == 200
        body = answer["response"]["body"]
        assert body["object"] == "chat.completion"
        assert f"text {answer['custom_id']}" in body["choices"][0]["message"]["content"]


def test_output_is_shuffled(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    batch = finish(client, start(client, [line(f"q-{i}") for i in range(30)]))
    order = [a["custom_id"] for a in records(client, batch.output_file_id)]
    assert order != [f"q-{i}" for i in range(30)]
    assert sorted(order) == sorted(f"q-{i}" for i in range(30))


def test_each_line_is_judged_and_logged_like_a_real_time_request(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    lines = [
        line("ok"),
        line("tools", tools=[]),
        line("bad-model", model="no/such-model"),
        line("streams", stream=True),
    ]
    batch = finish(client, start(client, lines))
    assert batch.status == "completed"
    assert batch.request_counts.model_dump() == {"total": 4, "completed": 1, "failed": 3}
    failures = {r["custom_id"]: r["response"] for r in records(client, batch.error_file_id)}
    assert failures["tools"]["status_code"] == 400
    assert failures["tools"]["body"]["error"]["param"] == "tools"
    assert failures["bad-model"]["status_code"] == 404
    assert failures["streams"]["status_code"] == 400
    assert [r["custom_id"] for r in records(client, batch.output_file_id)] == ["ok"]
    logged = [r for r in kluster_env.requests if r.path == "/v1/chat/completions"]
    assert [r.headers[BATCH_LINE_HEADER] for r in logged] == [
        f"{batch.id}/ok",
        f"{batch.id}/tools",
        f"{batch.id}/bad-model",
    ]
    assert "tools" in logged[1].body


def test_a_failed_batch_lists_why(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    kluster_batches.add_fault(BatchFault(fail="Emulated validation failure."))
    batch = finish(client, start(client, [line("a")]))
    assert batch.status == "failed"
    assert batch.output_file_id is None
    assert "Emulated validation failure." in [e.message for e in batch.errors.data]
    duplicate = finish(client, start(client, [line("a"), line("a")]))
    assert duplicate.status == "failed"
    assert [e.code for e in duplicate.errors.data] == ["duplicate_custom_id"]


def test_an_expired_batch_keeps_partial_output(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    kluster_batches.add_fault(BatchFault(expire_after=2))
    batch = finish(client, start(client, [line(f"q-{i}") for i in range(5)]))
    assert batch.status == "expired"
    assert sorted(r["custom_id"] for r in records(client, batch.output_file_id)) == ["q-0", "q-1"]
    expired = records(client, batch.error_file_id)
    assert sorted(r["custom_id"] for r in expired) == ["q-2", "q-3", "q-4"]
    assert {r["error"]["code"] for r in expired} == {"batch_expired"}
    assert batch.request_counts.failed == 3


def test_chosen_lines_fail_with_500(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"q-1"})))
    batch = finish(client, start(client, [line(f"q-{i}") for i in range(3)]))
    assert batch.status == "completed"
    [failure] = records(client, batch.error_file_id)
    assert (failure["custom_id"], failure["response"]["status_code"]) == ("q-1", 500)


def test_a_slow_batch_can_be_cancelled_with_partial_output(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    kluster_batches.add_fault(BatchFault(seconds_per_line=0.02))
    batch = start(client, [line(f"q-{i}") for i in range(50)])
    while client.batches.retrieve(batch.id).request_counts.completed < 2:
        time.sleep(0.01)
    assert client.batches.cancel(batch.id).status == "cancelling"
    batch = finish(client, batch)
    assert batch.status == "cancelled"
    done = batch.request_counts.completed
    assert 2 <= done < 50
    assert len(records(client, batch.output_file_id)) == done
    assert {r["error"]["code"] for r in records(client, batch.error_file_id)} == {"batch_cancelled"}
    with pytest.raises(openai.BadRequestError):
        client.batches.cancel(batch.id)


def test_create_refuses_bad_windows_files_and_purposes(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    uploaded = client.files.create(file=("in.jsonl", jsonl([line("a")])), purpose="batch")
    with pytest.raises(openai.BadRequestError, match="completion_window"):
        client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="1h"
        )
    with pytest.raises(openai.NotFoundError):
        client.batches.create(
            input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h"
        )
    with pytest.raises(openai.BadRequestError, match="purpose"):
        client.files.create(file=("in.jsonl", b"{}"), purpose="assistants")
    with pytest.raises(openai.NotFoundError):
        client.batches.retrieve("batch_nope")


def test_plan_cap_fails_an_oversized_batch(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    kluster_batches.max_requests_per_batch = 2
    batch = finish(client, start(client, [line(f"q-{i}") for i in range(3)]))
    assert batch.status == "failed"
    assert [e.code for e in batch.errors.data] == ["too_many_requests"]


def test_files_can_be_listed_read_and_deleted(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    uploaded = client.files.create(file=("in.jsonl", jsonl([line("a")])), purpose="batch")
    assert uploaded.bytes == len(jsonl([line("a")]))
    assert client.files.retrieve(uploaded.id).filename == "in.jsonl"
    assert uploaded.id in [f.id for f in client.files.list()]
    assert client.files.content(uploaded.id).content == jsonl([line("a")])
    assert client.files.delete(uploaded.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(uploaded.id)


def test_batches_are_listed_newest_first(kluster_env, kluster_batches):
    client = client_for(kluster_env)
    first, second = start(client, [line("a")]), start(client, [line("b")])
    assert [b.id for b in client.batches.list()] == [second.id, first.id]
    page = client.batches.list(limit=1)
    assert [b.id for b in page.data] == [second.id] and page.has_more


def test_batch_routes_need_a_key(kluster_env, kluster_batches):
    kluster_env.settings.api_key = "right"
    with pytest.raises(openai.AuthenticationError):
        client_for(kluster_env).batches.list()


def test_batch_faults_and_clock_over_the_control_api(kluster_env, kluster_batches):
    import httpx

    root = kluster_env.base_url.removesuffix("/v1")
    httpx.post(f"{root}/_emulator/batch_clock", json={"seconds_per_line": 0.001})
    assert kluster_batches.clock.seconds_per_line == 0.001
    httpx.post(f"{root}/_emulator/batch_faults", json={"faults": [{"failing_lines": ["q-0"]}]})
    client = client_for(kluster_env)
    batch = finish(client, start(client, [line("q-0"), line("q-1")]))
    [failure] = records(client, batch.error_file_id)
    assert failure["custom_id"] == "q-0" and failure["response"]["status_code"] == 500


def test_a_batch_never_stays_running_when_the_emulator_trips(kluster_env, kluster_batches):
    """Cancelled while validating a file with a broken line: it ends instead of hanging."""
    kluster_batches.clock = BatchClock(validating_seconds=0.2)
    client = client_for(kluster_env)
    uploaded = client.files.create(file=("input.jsonl", b"not json\n"), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    client.batches.cancel(batch.id)
    assert finish(client, batch).status in FINAL


def test_a_broken_answer_to_a_line_is_that_lines_500(kluster_env, kluster_batches):
    """A queued chat fault with a body that is not JSON hits a batch line: a 500 line."""
    client = client_for(kluster_env)
    kluster_env.add_fault(malformed=True)
    batch = finish(client, start(client, [line("q-0")]))
    assert batch.status == "completed"
    (record,) = records(client, batch.error_file_id or batch.output_file_id)
    assert record["response"]["status_code"] == 500
