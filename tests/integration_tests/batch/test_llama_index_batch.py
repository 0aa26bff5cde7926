"""KlusterLLM.submit_batch / get_batch against the emulator's Batch API."""

from __future__ import annotations

import json

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse

from kluster_integrations.core.contract import ADAPTIVE_INFERENCE_PLACEHOLDER
from kluster_integrations.core.errors import (
    AdaptiveInferenceQueuedError,
    BatchInputError,
    BatchItemError,
    BatchResultsError,
)
from kluster_integrations.emulator._batch_runner import BATCH_LINE_HEADER
from kluster_integrations.emulator._batch_store import BatchFault
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.llama_index.llms import KlusterLLM

FAST = {"poll_interval": 0.01, "progress": False}


def uploaded_bodies(store) -> list[dict]:
    return [
        json.loads(row)["body"]
        for f in store.files.values()
        if f.purpose == "batch"
        for row in f.content.splitlines()
    ]


def test_each_line_is_the_request_chat_would_send(kluster_env, kluster_batches):
    llm = KlusterLLM(max_tokens=48, temperature=0.1, additional_kwargs={"top_p": 0.8})
    conversations = [
        [
            ChatMessage(role="system", content="Be brief."),
            ChatMessage(role="user", content="first"),
        ],
        [ChatMessage(role="user", content="second")],
    ]
    for messages in conversations:
        llm.chat(messages, frequency_penalty=0.3)
    real_time = kluster_env.chat_requests()
    kluster_env.reset()
    job = llm.submit_batch(conversations, frequency_penalty=0.3)
    assert uploaded_bodies(kluster_batches) == real_time
    assert real_time[0]["max_completion_tokens"] == 48 and "max_tokens" not in real_time[0]
    job.wait(**FAST)
    ran = [r.body for r in kluster_env.requests if BATCH_LINE_HEADER in r.headers]
    assert ran == real_time


def test_submit_wait_results_as_chat_responses_in_order(kluster_env, kluster_batches, capsys):
    llm = KlusterLLM()
    texts = [f"note {i}" for i in range(9)]
    job = llm.submit_batch(texts)
    assert job.wait(poll_interval=0.01).completed == 9
    assert "9/9" in capsys.readouterr().err
    results = job.results()
    assert all(isinstance(r, ChatResponse) for r in results)
    assert [r.message.content for r in results] == [
        f'Emulated reply from {llm.model}: you said "{t}".' for t in texts
    ]
    real_time = llm.chat([ChatMessage(role="user", content=texts[0])])
    batch_cost = results[0].additional_kwargs.pop("cost_usd")  # at the 24h price
    assert batch_cost == pytest.approx(real_time.additional_kwargs.pop("cost_usd") * 0.20 / 0.70)
    assert results[0].additional_kwargs == {
        **real_time.additional_kwargs,
        "custom_id": "request-0",
    }
    assert results[0].additional_kwargs["prompt_tokens"] > 0
    assert results[0].raw.id.startswith("chatcmpl-")


def test_resume_by_id_and_partial_failure(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"b"})))
    job = KlusterLLM().submit_batch(["x", "y", "z"], custom_ids=["a", "b", "c"])
    job.wait(**FAST)
    again = KlusterLLM().get_batch(job.id)
    with pytest.raises(BatchResultsError) as info:
        again.results()
    first, failed, last = info.value.results
    assert isinstance(failed, BatchItemError)
    assert (failed.custom_id, failed.index, failed.status_code) == ("b", 1, 500)
    assert first.message.content.endswith('"x".') and last.message.content.endswith('"z".')


def test_cancel(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(seconds_per_line=0.02))
    job = KlusterLLM().submit_batch([f"t{i}" for i in range(40)])
    while job.status().completed < 1:
        pass
    job.cancel()
    assert job.wait(**FAST).status == "cancelled"
    codes = {r.code for r in job.results(return_exceptions=True) if isinstance(r, BatchItemError)}
    assert codes == {"batch_cancelled"}


async def test_async_submit(kluster_env, kluster_batches):
    job = await KlusterLLM().asubmit_batch(["p", "q"])
    await job.async_wait(**FAST)
    assert [r.message.content[-4:] for r in await job.aresults()] == ['"p".', '"q".']


def test_bad_inputs(kluster_env, kluster_batches):
    llm = KlusterLLM()
    with pytest.raises(BatchInputError, match="no inputs"):
        llm.submit_batch([])
    with pytest.raises(BatchInputError, match="input 1 is int"):
        llm.submit_batch(["fine", 42])
    with pytest.raises(BatchInputError, match="completion_window"):
        llm.submit_batch(["a"], completion_window="6h")
    assert kluster_env.requests == []


def test_the_adaptive_inference_placeholder_is_never_an_answer(kluster_env):
    kluster_env.queue_replies(ADAPTIVE_INFERENCE_PLACEHOLDER)
    with pytest.raises(AdaptiveInferenceQueuedError):
        KlusterLLM().complete("hi")


def test_ten_thousand_requests(kluster_env, kluster_batches):
    job = KlusterLLM().submit_batch([f"item {i}" for i in range(10_000)])
    assert job.wait(poll_interval=0.05, progress=False).completed == 10_000
    results = job.results()
    assert all(r.message.content.endswith(f'"item {i}".') for i, r in enumerate(results))
    ran = [r.body for r in kluster_env.requests if BATCH_LINE_HEADER in r.headers]
    assert len(ran) == 10_000 and not any(contract_violations(body) for body in ran)


def test_prompted_tools_are_refused_before_anything_is_sent(kluster_env, kluster_batches):
    tool = {
        "type": "function",
        "function": {"name": "add", "parameters": {"type": "object", "properties": {}}},
    }
    text_model = KlusterLLM(model="mistralai/Mistral-Nemo-Instruct-2407")
    with pytest.raises(BatchInputError, match="tool model"):
        text_model.submit_batch(["1 + 2?"], tools=[tool])
    assert kluster_env.requests == []
