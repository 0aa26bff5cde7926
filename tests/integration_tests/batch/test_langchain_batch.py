"""ChatKluster.submit_batch / get_batch against the emulator's Batch API."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel

from kluster_integrations.core.contract import ADAPTIVE_INFERENCE_PLACEHOLDER
from kluster_integrations.core.errors import (
    AdaptiveInferenceQueuedError,
    BatchInputError,
    BatchItemError,
    BatchNotFinishedError,
    BatchNotFoundError,
    BatchOutputLineError,
    BatchResultsError,
    BatchTimeoutError,
)
from kluster_integrations.emulator._batch_runner import BATCH_LINE_HEADER
from kluster_integrations.emulator._batch_store import BatchFault
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.langchain.chat_models import ChatKluster

FAST = {"poll_interval": 0.01, "progress": False}


class Sentiment(BaseModel):
    label: str
    confidence: float


def batch_lines(emulator) -> list:
    """The chat bodies the emulator ran as batch lines, in the order it ran them."""
    return [
        r.body
        for r in emulator.requests
        if r.path == "/v1/chat/completions" and BATCH_LINE_HEADER in r.headers
    ]


def uploaded_lines(store) -> list[dict]:
    return [
        json.loads(row)
        for f in store.files.values()
        if f.purpose == "batch"
        for row in f.content.splitlines()
    ]


def test_each_line_is_the_request_invoke_would_send(kluster_env, kluster_batches):
    llm = ChatKluster(max_tokens=64, temperature=0.2, top_p=0.9)
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("user", "{q}")])
    inputs = [
        "plain text",
        [SystemMessage("sys"), HumanMessage("as messages")],
        prompt.invoke({"q": "a prompt value"}),
    ]
    for value in inputs:
        llm.invoke(value, stop=["\n\n"], frequency_penalty=0.5)
    real_time = kluster_env.chat_requests()
    kluster_env.reset()

    job = llm.submit_batch(inputs, stop=["\n\n"], frequency_penalty=0.5)
    lines = uploaded_lines(kluster_batches)
    assert [entry["body"] for entry in lines] == real_time
    assert [entry["custom_id"] for entry in lines] == ["request-0", "request-1", "request-2"]
    assert {(entry["method"], entry["url"]) for entry in lines} == {
        ("POST", "/v1/chat/completions")
    }
    assert real_time[0]["max_completion_tokens"] == 64 and "max_tokens" not in real_time[0]
    assert real_time[0]["frequency_penalty"] == 0.5 and real_time[0]["top_p"] == 0.9
    job.wait(**FAST)
    assert batch_lines(kluster_env) == real_time


def test_submit_wait_results_in_input_order_with_metadata(kluster_env, kluster_batches, capsys):
    llm = ChatKluster()
    texts = [f"review number {i}" for i in range(12)]
    job = llm.submit_batch(texts)
    status = job.wait(poll_interval=0.01)
    assert (status.status, status.total, status.completed, status.failed) == (
        "completed",
        12,
        12,
        0,
    )
    assert "12/12" in capsys.readouterr().err  # the tqdm bar
    results = job.results()
    assert all(isinstance(m, AIMessage) for m in results)
    assert [m.content for m in results] == [
        f'Emulated reply from {llm.model_name}: you said "{t}".' for t in texts
    ]
    real_time = llm.invoke(texts[0])
    assert results[0].usage_metadata == real_time.usage_metadata
    assert results[0].usage_metadata["input_tokens"] > 0
    assert results[0].response_metadata.keys() == {*real_time.response_metadata, "custom_id"}
    assert results[0].response_metadata["custom_id"] == "request-0"
    assert results[0].response_metadata["model_name"] == llm.model_name
    assert results[0].response_metadata["finish_reason"] == "stop"
    assert results[0].id.startswith("chatcmpl-")


def test_a_job_is_resumed_by_id_from_a_fresh_model(kluster_env, kluster_batches):
    job = ChatKluster().submit_batch(["one", "two", "three"], custom_ids=["c", "a", "b"])
    job.wait(**FAST)
    again = ChatKluster().get_batch(job.id)
    assert again.id == job.id
    assert [m.content for m in again.results()] == [m.content for m in job.results()]
    assert "one" in again.results()[0].content


def test_a_job_spans_several_batches_and_resumes_as_one(kluster_env, kluster_batches):
    llm = ChatKluster()
    job = llm.submit_batch([f"t{i}" for i in range(7)], max_requests_per_batch=3)
    assert len(job.batch_ids) == 3 and job.id == "+".join(job.batch_ids)
    assert job.wait(**FAST).total == 7
    contents = [m.content for m in llm.get_batch(job.id).results()]
    assert [c.rsplit('"', 2)[1] for c in contents] == [f"t{i}" for i in range(7)]


def test_partial_failure_raises_one_error_carrying_every_item(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"request-1"})))
    job = ChatKluster().submit_batch(["a", "b", "c"])
    job.wait(**FAST)
    with pytest.raises(BatchResultsError) as info:
        job.results()
    items = info.value.results
    assert isinstance(items[0], AIMessage) and isinstance(items[2], AIMessage)
    failure = items[1]
    assert isinstance(failure, BatchItemError)
    assert (failure.custom_id, failure.index, failure.status_code) == ("request-1", 1, 500)
    assert info.value.errors == [failure]
    in_place = job.results(return_exceptions=True)
    assert isinstance(in_place[1], BatchItemError) and in_place[2].content == items[2].content


def test_items_of_an_expired_batch_that_did_not_run_are_errors(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(expire_after=2))
    job = ChatKluster().submit_batch(["a", "b", "c", "d"])
    assert job.wait(**FAST).status == "expired"
    results = job.results(return_exceptions=True)
    assert [type(r).__name__ for r in results] == [
        "AIMessage",
        "AIMessage",
        "BatchItemError",
        "BatchItemError",
    ]
    assert results[3].code == "batch_expired" and results[3].index == 3


def test_a_failed_batch_gives_an_error_per_item(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(fail="Emulated: file rejected."))
    job = ChatKluster().submit_batch(["a", "b"])
    assert job.wait(**FAST).status == "failed"
    results = job.results(return_exceptions=True)
    assert [r.code for r in results] == ["batch_failed", "batch_failed"]
    assert "Emulated: file rejected." in str(results[0])


def test_cancel_stops_the_job_and_keeps_what_ran(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(seconds_per_line=0.02))
    job = ChatKluster().submit_batch([f"t{i}" for i in range(40)])
    while job.status().completed < 2:
        pass
    assert job.cancel().status in ("cancelling", "cancelled")
    assert job.wait(**FAST).status == "cancelled"
    results = job.results(return_exceptions=True)
    answered = [r for r in results if isinstance(r, AIMessage)]
    assert 2 <= len(answered) < 40
    assert {r.code for r in results if isinstance(r, BatchItemError)} == {"batch_cancelled"}


def test_schema_goes_through_the_prompt_and_results_are_parsed(kluster_env, kluster_batches):
    llm = ChatKluster()
    job = llm.submit_batch(["great film", "dull film"], schema=Sentiment)
    job.wait(**FAST)
    results = job.results()
    assert all(isinstance(r, Sentiment) for r in results)
    structured = llm.with_structured_output(Sentiment)
    structured.invoke("great film")
    assert batch_lines(kluster_env)[0] == kluster_env.chat_requests()[-1]
    assert "response_format" not in batch_lines(kluster_env)[0]
    assert llm.get_batch(job.id, schema=Sentiment).results() == results


def test_an_unreadable_structured_answer_is_that_items_error(kluster_env, kluster_batches):
    kluster_env.queue_replies("no json here", {"label": "ok", "confidence": 1})
    job = ChatKluster().submit_batch(["a", "b"], schema=Sentiment)
    job.wait(**FAST)
    first, second = job.results(return_exceptions=True)
    assert isinstance(first, BatchItemError) and first.code == "unreadable_answer"
    assert second == Sentiment(label="ok", confidence=1)


async def test_async_submit_wait_and_results(kluster_env, kluster_batches):
    job = await ChatKluster().asubmit_batch(["x", "y"])
    status = await job.async_wait(poll_interval=0.01, progress=False)
    assert status.status == "completed"
    results = await job.aresults()
    assert [m.content.rsplit('"', 2)[1] for m in results] == ["x", "y"]
    assert [m.content for m in results] == [m.content for m in job.results()]


@pytest.mark.parametrize(
    ("inputs", "options", "fragment"),
    [
        ([], {}, "no inputs"),
        (["a", "b"], {"custom_ids": ["only-one"]}, "2 inputs but 1 custom_ids"),
        (["a"], {"custom_ids": ["x", "y"]}, "1 inputs but 2 custom_ids"),
        (["a", "b"], {"custom_ids": ["x", "x"]}, "repeats 'x'"),
        (["a"], {"completion_window": "1h"}, "completion_window='1h'"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    kluster_env, kluster_batches, inputs, options, fragment
):
    with pytest.raises(BatchInputError, match=fragment):
        ChatKluster().submit_batch(inputs, **options)
    assert kluster_env.requests == []


def test_an_unknown_batch_id_is_a_typed_error(kluster_env, kluster_batches):
    with pytest.raises(BatchNotFoundError, match="batch_nope"):
        ChatKluster().get_batch("batch_nope")


def test_results_before_the_job_finished(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(seconds_per_line=0.05))
    job = ChatKluster().submit_batch(["a", "b", "c"])
    with pytest.raises(BatchNotFinishedError, match="wait"):
        job.results()
    with pytest.raises(BatchTimeoutError):
        job.wait(poll_interval=0.01, timeout=0.02, progress=False)
    job.wait(**FAST)
    assert len(job.results(wait=True)) == 3


def corrupt_output(store, job, change) -> None:
    batch = store.batches[job.batch_ids[0]]
    stored = store.files[batch["output_file_id"]]
    stored.content = change(stored.content)


def test_an_output_line_that_is_not_json_is_a_typed_error(kluster_env, kluster_batches):
    job = ChatKluster().submit_batch(["a", "b"])
    job.wait(**FAST)

    def truncate_first_line(content: bytes) -> bytes:
        first, *rest = content.splitlines(keepends=True)
        return b"".join([first[: len(first) // 2] + b"\n", *rest])

    corrupt_output(kluster_batches, job, truncate_first_line)
    results = job.results(return_exceptions=True)
    [broken] = [r for r in results if isinstance(r, BatchOutputLineError)]
    assert broken.code == "unreadable_line" and "not JSON" in str(broken)
    assert [isinstance(r, AIMessage) for r in results].count(True) == 1


def test_an_output_file_missing_lines_is_a_typed_error(kluster_env, kluster_batches):
    job = ChatKluster().submit_batch(["a", "b"])
    job.wait(**FAST)
    corrupt_output(kluster_batches, job, lambda c: c.splitlines(keepends=True)[0])
    results = job.results(return_exceptions=True)
    [missing] = [r for r in results if isinstance(r, BatchOutputLineError)]
    assert missing.code == "missing_line" and "no line of the output" in str(missing)
    with pytest.raises(BatchResultsError, match="1 of 2 requests"):
        job.results()


def test_the_adaptive_inference_placeholder_is_never_an_answer(kluster_env):
    kluster_env.queue_replies(ADAPTIVE_INFERENCE_PLACEHOLDER)
    adaptive = {"metadata": {"@kluster.ai": {"async": True, "completion_window": "24h"}}}
    with pytest.raises(AdaptiveInferenceQueuedError, match="batch"):
        ChatKluster(extra_body=adaptive).invoke("hi")
    assert kluster_env.chat_requests()[0]["metadata"] == adaptive["metadata"]


def test_ten_thousand_requests_in_one_job(kluster_env, kluster_batches):
    llm = ChatKluster(max_tokens=32)
    texts = [f"short text {i}" for i in range(10_000)]
    job = llm.submit_batch(texts, max_requests_per_batch=4_000)
    assert len(job.batch_ids) == 3
    status = job.wait(poll_interval=0.05, progress=False)
    assert (status.status, status.total, status.completed) == ("completed", 10_000, 10_000)
    results = job.results()
    assert len(results) == 10_000
    assert all(m.content.endswith(f'you said "short text {i}".') for i, m in enumerate(results))
    sent = batch_lines(kluster_env)
    assert len(sent) == 10_000
    assert [body for body in sent if contract_violations(body)] == []


def test_strict_mode_refuses_a_batch_before_anything_is_sent(kluster_env, kluster_batches):
    from kluster_integrations.core.errors import UnsupportedParameterError

    llm = ChatKluster(strict_parameters=True)
    with pytest.raises(UnsupportedParameterError, match="response_format"):
        llm.submit_batch(["a", "b"], response_format={"type": "json_object"})
    assert kluster_env.requests == []


def test_the_key_shows_nowhere_in_a_job(kluster_env, kluster_batches, monkeypatch):
    secret = "sk-batch-secret-123"
    kluster_env.settings.api_key = secret
    monkeypatch.setenv("KLUSTER_API_KEY", secret)
    kluster_batches.add_fault(BatchFault(expire_after=0))
    job = ChatKluster().submit_batch(["a"])
    job.wait(**FAST)
    with pytest.raises(BatchResultsError) as info:
        job.results()
    shown = " ".join([repr(job), str(job.status()), str(info.value), repr(info.value.errors[0])])
    assert secret not in shown
    assert all(secret not in str(r.headers) for r in kluster_env.requests)


ADD_TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two integers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        },
    },
}


def test_prompted_tools_are_refused_before_anything_is_sent(kluster_env, kluster_batches):
    text_model = ChatKluster(model="mistralai/Mistral-Nemo-Instruct-2407")
    with pytest.raises(BatchInputError, match="tool model"):
        text_model.submit_batch(["1 + 2?"], tools=[ADD_TOOL])
    assert kluster_env.requests == []


def test_a_response_format_is_refused_before_anything_is_sent(kluster_env, kluster_batches):
    with pytest.raises(BatchInputError, match=r"response_format.*schema="):
        ChatKluster().submit_batch(["a"], response_format={"type": "json_object"})
    assert kluster_env.requests == []


def test_a_streaming_model_sends_batch_lines_that_do_not_stream(kluster_env, kluster_batches):
    """``streaming=True`` puts ``stream: true`` in the payload; a batch line cannot stream."""
    job = ChatKluster(streaming=True).submit_batch(["a", "b"])
    assert not any("stream" in entry["body"] for entry in uploaded_lines(kluster_batches))
    job.wait(**FAST)
    assert [m.content for m in job.results()] and job.status().failed == 0
