"""``RequestSeries``: a batch job's requests prepared with the shared checks done once give
exactly what ``RequestPreparer.prepare_chat`` gives each of them in full, errors included."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kluster_integrations.core.errors import (
    ImageInputNotSupportedError,
    InvalidRequestError,
    KlusterError,
)
from kluster_integrations.core.request import ChatOptions, RequestPreparer, RequestSeries

TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
VISION_MODEL = "google/gemma-3-27b-it"
REASONING_MODEL = "deepseek-ai/DeepSeek-R1-0528"
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Look a word up.",
        "parameters": {"type": "object", "properties": {"word": {"type": "string"}}},
    },
}
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}

text = st.sampled_from(
    ["hi", "", "naïve café", "<think>plan</think>answer", "bad \ud800 text", "x" * 50]
)
content = (
    text
    | st.none()
    | st.lists(
        st.sampled_from([{"type": "text", "text": "part"}, IMAGE, {"type": "hologram"}]),
        max_size=2,
    )
)
tool_call = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["c1", "c2"]),
        "type": st.just("function"),
        "function": st.fixed_dictionaries(
            {"name": st.just("lookup"), "arguments": st.just('{"word": "a"}')}
        ),
    }
)
message = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["system", "developer", "user", "assistant", "tool", "wizard"]),
        "content": content,
    },
    optional={
        "name": st.sampled_from(["ada", ""]),
        "tool_calls": st.lists(tool_call, max_size=2),
        "tool_call_id": st.sampled_from(["c1", "c2"]),
        "reasoning_content": text,
    },
)
SYSTEM = {"role": "system", "content": "You label reviews."}
histories = st.lists(message, max_size=5) | st.lists(message, max_size=4).map(
    lambda rest: [SYSTEM, *rest]
)
setups = st.fixed_dictionaries(
    {
        "model": st.sampled_from([TOOL_MODEL, TEXT_MODEL, VISION_MODEL, REASONING_MODEL]),
        "tools": st.sampled_from([None, [TOOL]]),
        "tool_calling": st.sampled_from(["auto", "native", "prompt"]),
        "keep_reasoning_in_history": st.booleans(),
        "params": st.sampled_from(
            [
                {},
                {"max_tokens": 64, "temperature": 0.2},
                {"stop": ["\n\n"], "top_p": 0.9, "n": 1, "service_tier": "auto"},
            ]
        ),
    }
)


def body_of(setup: dict[str, Any], messages: list[Any]) -> dict[str, Any]:
    body = {"model": setup["model"], **setup["params"], "messages": messages}
    if setup["tools"]:
        body["tools"] = setup["tools"]
    return body


def outcome(prepare: Any) -> Any:
    """What preparing gives: the request's parts, or the error's type and message."""
    try:
        prepared = prepare()
    except KlusterError as error:
        return type(error), str(error)
    return prepared.body, prepared.tools, prepared.reasoning, prepared.options


first_histories = st.sampled_from(
    [
        [SYSTEM, {"role": "user", "content": "a"}],
        [{"role": "user", "content": "a"}],
        [{"role": "developer", "content": "naïve"}, {"role": "user", "content": "a"}],
    ]
)


@settings(max_examples=400, deadline=None)
@given(setups, first_histories, st.lists(histories, min_size=1, max_size=4))
def test_every_request_of_a_series_is_what_prepare_chat_gives(setup, first_messages, others):
    options = ChatOptions(
        tool_calling=setup["tool_calling"],
        keep_reasoning_in_history=setup["keep_reasoning_in_history"],
    )
    preparer = RequestPreparer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = preparer.prepare_chat(body_of(setup, first_messages), options=options)
        series = RequestSeries(first)
        for messages in [first_messages, *others]:
            full = outcome(
                lambda m=messages: preparer.prepare_chat(body_of(setup, m), options=options)
            )
            assert outcome(lambda m=messages: series.prepare(m)) == full


def test_shared_parameters_are_prepared_once_messages_for_each():
    messages = [SYSTEM, {"role": "user", "content": "a"}]
    first = RequestPreparer().prepare_chat(
        {"model": TOOL_MODEL, "max_tokens": 9, "messages": messages}
    )
    series = RequestSeries(first)
    body = series.prepare([SYSTEM, {"role": "user", "content": "b", "name": "ada"}]).body
    assert body == {
        "model": TOOL_MODEL,
        "max_completion_tokens": 9,
        "messages": [SYSTEM, {"role": "user", "content": "ada: b"}],
    }
    with pytest.raises(InvalidRequestError, match=r"messages\[1\]\.content.*lone surrogate"):
        series.prepare([SYSTEM, {"role": "user", "content": "\ud800"}])
    with pytest.raises(InvalidRequestError, match=r"messages\[0\]\.content.*lone surrogate"):
        series.prepare([{"role": "system", "content": "\udfff"}])
    with pytest.raises(InvalidRequestError, match="`messages` is empty"):
        series.prepare([])
    with pytest.raises(ImageInputNotSupportedError):
        series.prepare([{"role": "user", "content": [IMAGE]}])


def test_prompted_tools_are_described_in_each_request():
    first = RequestPreparer().prepare_chat(
        {"model": TEXT_MODEL, "tools": [TOOL], "messages": [{"role": "user", "content": "a"}]}
    )
    prepared = RequestSeries(first).prepare([{"role": "user", "content": "b"}])
    assert prepared.tools is first.tools is not None
    system, user = prepared.body["messages"]
    assert system["role"] == "system" and "lookup" in system["content"]
    assert user == {"role": "user", "content": "b"} and "tools" not in prepared.body


def test_rewrites_are_logged_per_request(caplog):
    first = RequestPreparer().prepare_chat(
        {"model": TEXT_MODEL, "messages": [{"role": "user", "content": "a"}]}
    )
    with caplog.at_level(logging.DEBUG, logger="kluster_integrations"):
        RequestSeries(first).prepare([{"role": "user", "content": "secret", "name": "ada"}])
    assert "messages[0].name: rewritten" in caplog.text and "secret" not in caplog.text
