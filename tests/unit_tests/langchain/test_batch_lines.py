"""The lines of a ``ChatKluster`` Batch API job are the requests ``invoke`` would send,
although what the inputs share is prepared once per job; every check a line needs still
runs on each line."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI

from kluster_integrations.core.errors import (
    BatchInputError,
    ImageInputNotSupportedError,
    InvalidRequestError,
)
from kluster_integrations.langchain._batch_lines import JobRequests
from kluster_integrations.langchain._framework import message_dicts, writes_messages_alone
from kluster_integrations.langchain.chat_models import ChatKluster

UNUSED_URL = "http://127.0.0.1:9/v1"
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
CALL = {"name": "lookup", "args": {"word": "a"}, "id": "call_1"}
PROMPT = ChatPromptTemplate.from_messages([("system", "Label reviews."), ("user", "{review}")])

INPUTS: list[Any] = [
    "plain text",
    "naïve café ☕",
    [("system", "Be brief."), ("human", "first")],
    [SystemMessage("Be brief."), HumanMessage("second", name="ada")],
    PROMPT.invoke({"review": "great"}),
    PROMPT.invoke({"review": "dull"}),
    [
        HumanMessage("look a up"),
        AIMessage("", tool_calls=[CALL]),
        ToolMessage("a: the first letter", tool_call_id="call_1"),
        HumanMessage("and b?"),
    ],
    [
        HumanMessage("Is 91 prime?"),
        AIMessage("No.", additional_kwargs={"reasoning_content": "91 = 7 x 13"}),
        HumanMessage("And 97?"),
    ],
    [HumanMessage("<think>draft</think>kept"), AIMessage("<think>old</think>visible")],
]


def model(**options: Any) -> ChatKluster:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ChatKluster(api_key="k", base_url=UNUSED_URL, **options)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"max_tokens": 64, "temperature": 0.2, "top_p": 0.9},
        {"model": "mistralai/Mistral-Nemo-Instruct-2407"},
        {"model": "deepseek-ai/DeepSeek-R1-0528"},
        {"model": "deepseek-ai/DeepSeek-R1-0528", "keep_reasoning_in_history": True},
        {"model": "google/gemma-3-27b-it"},
        {"model": "o1-style-finetune"},  # ChatOpenAI makes its system messages developer ones
        {"streaming": True, "model_kwargs": {"seed": 7}},
    ],
)
@pytest.mark.parametrize("call", [{}, {"stop": ["\n\n"], "frequency_penalty": 0.5}])
def test_each_line_is_the_request_invoke_prepares(options, call):
    llm = model(**options)
    requests = JobRequests(llm, call)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [
            llm._get_request_payload(value, stop=call.get("stop"), **_without_stop(call))
            for value in INPUTS
        ]
        assert [requests.body_for(value) for value in INPUTS] == expected


def _without_stop(call: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in call.items() if k != "stop"}


def test_a_vision_models_lines_carry_images_and_others_refuse_them():
    with_image = [HumanMessage([{"type": "text", "text": "what is it?"}, IMAGE])]
    vision = model(model="google/gemma-3-27b-it")
    assert JobRequests(vision, {}).body_for(with_image) == vision._get_request_payload(with_image)
    requests = JobRequests(model(), {})
    requests.body_for("a first line")
    with pytest.raises(ImageInputNotSupportedError):
        requests.body_for(with_image)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("bad \ud800 text", r"messages\[0\]\.content.*lone surrogate"),
        ([SystemMessage("Be brief."), HumanMessage("\udfff")], r"messages\[1\]\.content"),
        ([SystemMessage("\ud800")], r"messages\[0\]\.content"),
        ([ChatMessage(role="wizard", content="hi")], r"messages\[0\]\.role.*'wizard'"),
        ([HumanMessage([{"type": "hologram"}])], "hologram"),
        ([], "`messages` is empty"),
    ],
)
def test_every_later_line_is_still_checked(value, fragment):
    requests = JobRequests(model(), {})
    requests.body_for([SystemMessage("Be brief."), HumanMessage("a first line")])
    with pytest.raises(InvalidRequestError, match=fragment):
        requests.body_for(value)


def test_prompted_tools_are_refused_on_every_line():
    requests = JobRequests(model(model="mistralai/Mistral-Nemo-Instruct-2407"), {"tools": [CALL]})
    for _ in range(2):
        with pytest.raises(BatchInputError, match="tool model"):
            requests.body_for("1 + 2?")


def test_message_dicts_are_what_chat_openai_writes_into_its_body():
    stock = ChatOpenAI(model="m", api_key="k", base_url=UNUSED_URL)
    for value in INPUTS:
        messages = stock._convert_input(value).to_messages()
        assert message_dicts(messages) == stock._get_request_payload(value)["messages"]


def test_only_models_whose_messages_chat_openai_rewrites_as_a_whole_are_prepared_in_full():
    assert writes_messages_alone(model())
    assert not writes_messages_alone(model(model="o3-mini"))
