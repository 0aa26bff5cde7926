"""``ChatKluster.with_batch_api()``: LangChain's own ``.batch()`` through one Batch API job,
checked against real-time ``.batch()`` on the emulator and against what went over the wire."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from kluster_integrations.core.errors import (
    BatchInputError,
    BatchItemError,
    InvalidRequestError,
    ToolCallingNotSupportedError,
)
from kluster_integrations.emulator import BatchFault
from kluster_integrations.emulator._batch_runner import BATCH_LINE_HEADER
from kluster_integrations.emulator._state import Fault
from kluster_integrations.langchain import ChatKluster

PROMPT = ChatPromptTemplate.from_messages(
    [("system", "Label the review positive or negative."), ("user", "{review}")]
)
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"


class Sentiment(BaseModel):
    label: str
    confidence: float


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def reviews(count: int) -> list[dict[str, str]]:
    return [{"review": f"review number {i}: it works"} for i in range(count)]


def batch_lines(emulator) -> list[dict[str, Any]]:
    """The chat bodies the emulator ran as batch lines, in input order."""
    lines = [
        (r.headers[BATCH_LINE_HEADER], r.body)
        for r in emulator.requests
        if r.path == "/v1/chat/completions" and BATCH_LINE_HEADER in r.headers
    ]
    return [body for _, body in sorted(lines, key=lambda line: int(line[0].rsplit("-", 1)[1]))]


def batches_created(emulator) -> int:
    return sum(1 for r in emulator.requests if r.method == "POST" and r.path == "/v1/batches")


def real_time_requests(emulator) -> list[dict[str, Any]]:
    return [
        r.body
        for r in emulator.requests
        if r.path == "/v1/chat/completions" and BATCH_LINE_HEADER not in r.headers
    ]


def test_a_chain_batch_is_one_job_with_the_real_time_outputs_in_order(kluster_env, kluster_batches):
    llm = ChatKluster(max_tokens=64)
    inputs = reviews(500)
    real_time = (PROMPT | llm | StrOutputParser()).batch(inputs)
    sent_real_time = real_time_requests(kluster_env)
    kluster_env.reset()

    chain = PROMPT | llm.with_batch_api(poll_interval=0.01) | StrOutputParser()
    assert chain.batch(inputs) == real_time
    assert batches_created(kluster_env) == 1
    assert len(kluster_batches.batches) == 1
    sent = batch_lines(kluster_env)
    assert len(sent) == 500 and real_time_requests(kluster_env) == []
    by_content = {body["messages"][-1]["content"]: body for body in sent_real_time}
    assert sent == [by_content[body["messages"][-1]["content"]] for body in sent]


def test_partial_failure_puts_each_exception_at_its_inputs_position(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"request-3", "request-7"})))
    chain = PROMPT | ChatKluster().with_batch_api(poll_interval=0.01) | StrOutputParser()
    outputs = chain.batch(reviews(10), return_exceptions=True)
    assert [i for i, o in enumerate(outputs) if isinstance(o, Exception)] == [3, 7]
    assert all(isinstance(outputs[i], BatchItemError) for i in (3, 7))
    assert outputs[3].status_code == 500 and outputs[3].custom_id == "request-3"
    assert all(f"review number {i}" in o for i, o in enumerate(outputs) if i not in (3, 7))
    assert batches_created(kluster_env) == 1

    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"request-3", "request-7"})))
    with pytest.raises(BatchItemError) as raised:
        chain.batch(reviews(10))
    assert raised.value.custom_id == "request-3"  # the first, as real-time .batch() raises


def test_invoke_is_a_job_of_one_with_the_real_time_answer(kluster_env, kluster_batches):
    llm = ChatKluster(temperature=0.3)
    real_time = llm.invoke("Hello there", stop=["\n\n"])
    message = llm.with_batch_api(poll_interval=0.01).invoke("Hello there", stop=["\n\n"])
    assert isinstance(message, AIMessage)
    assert message.content == real_time.content
    assert message.usage_metadata == real_time.usage_metadata
    # a Batch API answer also knows its line's id (issue 19: batch results know their id)
    assert message.response_metadata.pop("custom_id") == "request-0"
    assert message.response_metadata.keys() == real_time.response_metadata.keys()
    assert message.id.startswith("lc_run-") and real_time.id.startswith("lc_run-")
    assert batch_lines(kluster_env) == real_time_requests(kluster_env)
    assert batches_created(kluster_env) == 1


async def test_abatch_and_ainvoke_go_through_one_job_each(kluster_env, kluster_batches):
    chain = PROMPT | ChatKluster().with_batch_api(poll_interval=0.01) | StrOutputParser()
    outputs = await chain.abatch(reviews(20))
    assert [f"review number {i}:" in o for i, o in enumerate(outputs)] == [True] * 20
    assert await chain.ainvoke({"review": "a single one"}) != ""
    assert batches_created(kluster_env) == 2 and len(batch_lines(kluster_env)) == 21


async def test_abatch_return_exceptions(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"request-1"})))
    outputs = (
        await ChatKluster()
        .with_batch_api(poll_interval=0.01)
        .abatch(["a", "b", "c"], return_exceptions=True)
    )
    assert [type(o) for o in outputs] == [AIMessage, BatchItemError, AIMessage]


class RunRecorder(BaseCallbackHandler):
    """The chat-model runs callbacks see, in a form two calls can be compared by."""

    def __init__(self) -> None:
        self.starts: dict[UUID, dict[str, Any]] = {}
        self.ends: dict[UUID, str] = {}
        self.errors: dict[UUID, BaseException] = {}
        self.chains: dict[UUID, Any] = {}

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, **kwargs):
        self.chains[run_id] = parent_run_id

    def on_chat_model_start(self, serialized, messages, *, run_id, parent_run_id=None, **kwargs):
        self.starts[run_id] = {
            "name": serialized.get("name") or serialized["id"][-1],
            "messages": messages,
            "parent": parent_run_id,
            "params": kwargs["invocation_params"],
            "tags": kwargs.get("tags"),
            "metadata": kwargs.get("metadata"),
        }

    def on_llm_end(self, response, *, run_id, **kwargs):
        [[generation]] = response.generations
        self.ends[run_id] = generation.message.content

    def on_llm_error(self, error, *, run_id, **kwargs):
        self.errors[run_id] = error

    def runs(self) -> list[tuple[Any, ...]]:
        """Per chat-model run: what it saw, and the top-level chain run it belongs to."""
        rows = []
        for run_id, start in self.starts.items():
            parent = start["parent"]
            while self.chains.get(parent) is not None:
                parent = self.chains[parent]
            rows.append(
                (
                    start["name"],
                    str(start["messages"]),
                    sorted(start["params"].items(), key=str),
                    start["tags"],
                    {k: v for k, v in start["metadata"].items() if k.startswith("ls_")},
                    self.ends.get(run_id),
                    type(self.errors.get(run_id)).__name__,
                    parent is not None,
                )
            )
        return sorted(rows, key=str)


def test_callbacks_see_one_chat_model_run_per_input_as_with_real_time_batch(
    kluster_env, kluster_batches
):
    llm = ChatKluster(max_tokens=32)
    config = {"tags": ["labelling"], "metadata": {"dataset": "reviews"}}
    real_time, through_batch = RunRecorder(), RunRecorder()
    (PROMPT | llm | StrOutputParser()).batch(reviews(6), {**config, "callbacks": [real_time]})
    chain = PROMPT | llm.with_batch_api(poll_interval=0.01) | StrOutputParser()
    chain.batch(reviews(6), {**config, "callbacks": [through_batch]})
    assert len(through_batch.starts) == 6 and len(through_batch.ends) == 6
    assert through_batch.runs() == real_time.runs()
    assert {row[0] for row in through_batch.runs()} == {"ChatKluster"}
    parents = {start["parent"] for start in through_batch.starts.values()}
    assert len(parents) == 6  # each run sits in its own input's chain run


def test_a_failed_inputs_run_ends_with_its_error(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"request-1"})))
    recorder = RunRecorder()
    ChatKluster().with_batch_api(poll_interval=0.01).batch(
        ["a", "b", "c"], {"callbacks": [recorder]}, return_exceptions=True
    )
    assert len(recorder.starts) == 3 and len(recorder.ends) == 2
    [error] = recorder.errors.values()
    assert isinstance(error, BatchItemError) and error.custom_id == "request-1"


def test_an_input_that_cannot_be_prepared_stops_the_job_before_anything_is_sent(
    kluster_env, kluster_batches
):
    runnable = ChatKluster().with_batch_api(poll_interval=0.01)
    recorder = RunRecorder()
    inputs = ["fine", "bad \ud800 text", "also fine"]
    with pytest.raises(InvalidRequestError, match="lone surrogate"):
        runnable.batch(inputs, {"callbacks": [recorder]})
    assert kluster_env.requests == []
    assert len(recorder.starts) == 3 and len(recorder.errors) == 3
    assert sum(isinstance(e, BatchInputError) for e in recorder.errors.values()) == 2

    outputs = runnable.batch(inputs, return_exceptions=True)
    assert [type(o) for o in outputs] == [AIMessage, InvalidRequestError, AIMessage]
    assert [line["messages"][0]["content"] for line in batch_lines(kluster_env)] == [
        "fine",
        "also fine",
    ]
    assert batches_created(kluster_env) == 1


def test_a_job_that_cannot_be_uploaded_is_every_inputs_error(kluster_env, kluster_batches):
    kluster_env.add_fault(Fault(status=400, path="/v1/files"))
    runnable = ChatKluster(max_retries=0).with_batch_api(poll_interval=0.01)
    outputs = runnable.batch(["a", "b"], return_exceptions=True)
    assert len(outputs) == 2 and outputs[0] is outputs[1]
    assert isinstance(outputs[0], Exception) and "400" in str(outputs[0])
    kluster_env.add_fault(Fault(status=400, path="/v1/files"))
    with pytest.raises(Exception, match="400"):
        runnable.batch(["a", "b"])


def test_a_failed_batch_gives_each_input_its_error(kluster_env, kluster_batches):
    kluster_batches.add_fault(BatchFault(fail="the input file is refused"))
    outputs = (
        ChatKluster().with_batch_api(poll_interval=0.01).batch(["a", "b"], return_exceptions=True)
    )
    assert all(isinstance(o, BatchItemError) and o.code == "batch_failed" for o in outputs)


def test_the_jobs_id_is_logged_for_picking_it_up_again(kluster_env, kluster_batches, caplog):
    with caplog.at_level(logging.INFO, logger="kluster_integrations"):
        ChatKluster().with_batch_api(poll_interval=0.01).invoke("a")
    [batch_id] = kluster_batches.batches
    assert f"job {batch_id}: 1 requests" in caplog.text


def test_bound_arguments_reach_every_line(kluster_env, kluster_batches):
    runnable = ChatKluster().with_batch_api(poll_interval=0.01).bind(stop=["END"], seed=7)
    runnable.batch(["a", "b"])
    assert [(line["stop"], line["seed"]) for line in batch_lines(kluster_env)] == [
        (["END"], 7),
        (["END"], 7),
    ]


def test_native_tools_go_in_each_line_and_come_back_as_tool_calls(kluster_env, kluster_batches):
    llm = ChatKluster()
    real_time = llm.bind_tools([add], tool_choice="add").invoke("add 2 and 3")
    tools = llm.with_batch_api(poll_interval=0.01).bind_tools([add], tool_choice="add")
    [message] = tools.batch(["add 2 and 3"])
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        (c["name"], c["args"]) for c in real_time.tool_calls
    ]
    assert batch_lines(kluster_env) == real_time_requests(kluster_env)
    assert batch_lines(kluster_env)[0]["tools"][0]["function"]["name"] == "add"


def test_structured_output_as_a_tool_on_a_tool_model(kluster_env, kluster_batches):
    llm = ChatKluster()
    structured = llm.with_batch_api(poll_interval=0.01).with_structured_output(
        Sentiment, method="function_calling"
    )
    results = structured.batch(["great film 0.9", "dull film 0.2"])
    assert all(isinstance(r, Sentiment) for r in results)
    llm.with_structured_output(Sentiment, method="function_calling").invoke("great film 0.9")
    assert batch_lines(kluster_env)[0] == real_time_requests(kluster_env)[0]


def test_structured_output_through_the_prompt(kluster_env, kluster_batches):
    llm = ChatKluster(model=TEXT_MODEL)
    runnable = llm.with_batch_api(poll_interval=0.01)
    results = runnable.with_structured_output(Sentiment).batch(["great film", "dull film"])
    assert all(isinstance(r, Sentiment) for r in results)
    llm.with_structured_output(Sentiment).invoke("great film")
    assert batch_lines(kluster_env)[0] == real_time_requests(kluster_env)[0]
    assert batches_created(kluster_env) == 1

    kluster_env.queue_replies("no json here", {"label": "ok", "confidence": 1})
    raw = runnable.with_structured_output(Sentiment, include_raw=True).batch(["a", "b"])
    assert raw[0]["parsed"] is None and raw[0]["parsing_error"] is not None
    assert isinstance(raw[0]["raw"], AIMessage) and raw[0]["raw"].content == "no json here"
    assert raw[1]["parsed"] == Sentiment(label="ok", confidence=1)
    assert raw[1]["parsing_error"] is None
    assert batches_created(kluster_env) == 2  # include_raw too is one job


def test_tools_in_the_prompt_are_refused_with_a_typed_error(kluster_env, kluster_batches):
    runnable = ChatKluster(model=TEXT_MODEL).with_batch_api()
    with pytest.raises(BatchInputError, match="tool model"):
        runnable.bind_tools([add])
    with pytest.raises(BatchInputError, match="tool model"):
        runnable.with_structured_output(Sentiment, method="function_calling")
    with pytest.raises(BatchInputError, match="tool model"):
        ChatKluster(tool_calling="prompt").with_batch_api().bind_tools([add])
    with pytest.raises(ToolCallingNotSupportedError):
        ChatKluster(tool_calling="off").with_batch_api().bind_tools([add])
    with pytest.raises(BatchInputError, match="tool model"):  # tools passed per call
        runnable.batch(["1 + 2?"], tools=[convert_to_openai_tool(add)])
    assert kluster_env.requests == []


def test_bad_settings_are_refused_when_made(kluster_env):
    with pytest.raises(BatchInputError, match="completion_window='1h'"):
        ChatKluster().with_batch_api("1h")
    with pytest.raises(ValueError, match="poll_interval"):
        ChatKluster().with_batch_api(poll_interval=0)


def test_a_job_splits_at_the_request_cap(kluster_env, kluster_batches):
    runnable = ChatKluster().with_batch_api(poll_interval=0.01, max_requests_per_batch=2)
    outputs = runnable.batch(["a", "b", "c", "d", "e"])
    assert [o.content.rsplit('"', 2)[1] for o in outputs] == ["a", "b", "c", "d", "e"]
    assert batches_created(kluster_env) == 3


def test_messages_inputs_and_an_empty_batch(kluster_env, kluster_batches):
    runnable = ChatKluster().with_batch_api(poll_interval=0.01)
    assert runnable.batch([]) == []
    [message] = runnable.batch([[SystemMessage("Be brief."), HumanMessage("hi")]])
    assert message.content.endswith('you said "hi".')
    assert kluster_env.chat_requests()[0]["messages"][0] == {
        "role": "system",
        "content": "Be brief.",
    }


async def test_as_completed_and_streaming_are_one_job_each(kluster_env, kluster_batches):
    runnable = ChatKluster().with_batch_api(poll_interval=0.01)
    pairs = sorted(runnable.batch_as_completed(["a", "b", "c"]))
    assert [i for i, _ in pairs] == [0, 1, 2] and pairs[2][1].content.endswith('"c".')
    apairs = sorted([pair async for pair in runnable.abatch_as_completed(["d", "e"])])
    assert [m.content.rsplit('"', 2)[1] for _, m in apairs] == ["d", "e"]
    [chunk] = list((PROMPT | runnable | StrOutputParser()).stream({"review": "f"}))
    assert "f" in chunk
    assert batches_created(kluster_env) == 3
