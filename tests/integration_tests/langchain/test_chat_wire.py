"""ChatKluster over real HTTP to the emulator: every request path, and what went on the wire."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.core.errors import (
    InvalidRequestError,
    MissingAPIKeyError,
    StreamInterruptedError,
    ToolCallingNotSupportedError,
    UnsupportedParameterError,
    UnsupportedParameterWarning,
)
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.emulator._state import CHAT_PATH
from kluster_integrations.langchain.chat_models import ChatKluster

#: A model without native tools, so tool-call history is rewritten to text.
TEXT_ONLY_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"


def assert_clean_wire(emulator: KlusterEmulator, expected_requests: int | None = None) -> list:
    """Every chat body the emulator got is one the kluster.ai contract accepts."""
    bodies = emulator.chat_requests()
    assert bodies, "no chat request reached the emulator"
    for body in bodies:
        assert contract_violations(body) == [], body
        assert "stream_options" not in body
    if expected_requests is not None:
        assert len(bodies) == expected_requests
    return bodies


# --- construction --------------------------------------------------------------------------


def test_defaults_come_from_the_environment(emulator: KlusterEmulator) -> None:
    llm = ChatKluster()
    assert llm.model_name == DEFAULT_CHAT_MODEL
    assert llm.openai_api_base == emulator.base_url
    assert llm.openai_api_key.get_secret_value() == "emulator-key"
    assert llm.invoke("hello").content
    assert emulator.chat_requests()[0]["model"] == DEFAULT_CHAT_MODEL


def test_explicit_key_and_url_win(
    emulator: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLUSTER_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.delenv("KLUSTER_API_KEY")
    llm = ChatKluster(api_key="explicit-key", base_url=emulator.base_url, max_retries=0)
    assert llm.invoke("hi").content
    assert len(emulator.chat_requests()) == 1


def test_missing_key_raises_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLUSTER_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "an-openai-key-must-not-be-used")
    with pytest.raises(MissingAPIKeyError, match="KLUSTER_API_KEY"):
        ChatKluster()


# --- every request path goes through the sanitizer -----------------------------------------


def _sync_paths(llm: ChatKluster) -> dict:
    return {
        "invoke": lambda: llm.invoke("hi"),
        "stream": lambda: list(llm.stream("hi")),
        "batch": lambda: llm.batch(["hi", "there"]),
        "bind": lambda: llm.bind(max_tokens=20).invoke("hi"),
        "with_config": lambda: llm.with_config(tags=["t"]).invoke("hi"),
        "chain": lambda: (ChatPromptTemplate.from_template("{q}") | llm | StrOutputParser()).invoke(
            {"q": "hi"}
        ),
    }


@pytest.mark.parametrize("path", ["invoke", "stream", "batch", "bind", "with_config", "chain"])
def test_sync_paths_send_clean_requests(emulator: KlusterEmulator, path: str) -> None:
    llm = ChatKluster(max_tokens=40, stream_usage=True)
    _sync_paths(llm)[path]()
    for body in assert_clean_wire(emulator):
        assert "max_tokens" not in body
        assert body["max_completion_tokens"] in (40, 20)


@pytest.mark.parametrize("path", ["ainvoke", "astream", "abatch"])
async def test_async_paths_send_clean_requests(emulator: KlusterEmulator, path: str) -> None:
    llm = ChatKluster(max_tokens=40, stream_usage=True)
    if path == "ainvoke":
        await llm.ainvoke("hi")
    elif path == "astream":
        assert [chunk async for chunk in llm.astream("hi")]
    else:
        assert len(await llm.abatch(["a", "b", "c"])) == 3
    for body in assert_clean_wire(emulator):
        assert body["max_completion_tokens"] == 40


def test_user_parameters_from_every_source_are_dropped_with_a_warning(
    emulator: KlusterEmulator,
) -> None:
    llm = ChatKluster(
        store=True,
        model_kwargs={"modalities": ["text", "audio"]},
        extra_body={"service_tier": "flex"},
    )
    with pytest.warns(UnsupportedParameterWarning) as record:
        llm.bind(function_call={"name": "f"}).invoke("hi", parallel_tool_calls=True)
    warned = " ".join(str(w.message) for w in record)
    for name in ("store", "modalities", "service_tier", "function_call", "parallel_tool_calls"):
        assert f"`{name}`" in warned
    body = assert_clean_wire(emulator, expected_requests=1)[0]
    assert "service_tier" not in body.get("extra_body", {})


def test_each_parameter_warns_once(emulator: KlusterEmulator) -> None:
    llm = ChatKluster()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for _ in range(3):
            llm.invoke("hi", store=True)
        llm.invoke("hi", modalities=["audio"])
    messages = [str(w.message) for w in record if w.category is UnsupportedParameterWarning]
    assert len(messages) == 2
    assert "`store`" in messages[0] and "`modalities`" in messages[1]
    assert_clean_wire(emulator, expected_requests=4)


def test_framework_injected_parameters_never_warn(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(stream_usage=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsupportedParameterWarning)
        chunks = list(llm.stream("hi"))
        llm.invoke("hi")
    assert chunks
    assert_clean_wire(emulator, expected_requests=2)


def test_strict_mode_raises_listing_all_before_sending(emulator: KlusterEmulator) -> None:
    with pytest.raises(UnsupportedParameterError) as caught:  # refused when configured
        ChatKluster(
            strict_parameters=True,
            store=True,
            model_kwargs={"tool_choice": "required"},
            extra_body={"n": 3},
        )
    assert set(caught.value.parameters) == {"store", "tool_choice", "extra_body.n"}
    llm = ChatKluster(strict_parameters=True)
    with pytest.raises(UnsupportedParameterError) as caught:  # and when asked for per call
        llm.invoke(
            "hi", response_format={"type": "json_object"}, service_tier="flex", extra_body={"n": 3}
        )
    assert set(caught.value.parameters) == {"service_tier", "response_format", "extra_body.n"}
    assert emulator.requests == []


def test_strict_mode_ignores_what_the_framework_injects(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(strict_parameters=True, stream_usage=True, max_tokens=30)
    assert list(llm.stream("hi"))
    assert llm.invoke("hi").content
    assert_clean_wire(emulator, expected_requests=2)


def test_invalid_values_fail_before_sending(emulator: KlusterEmulator) -> None:
    with pytest.raises(InvalidRequestError, match="temperature"):
        ChatKluster(temperature=5).invoke("hi")
    assert emulator.chat_requests() == []


# --- never the Responses API ------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"model": "acme/coder-codex-1"},
        {"use_responses_api": True},
        {"output_version": "responses/v1"},
    ],
)
def test_always_chat_completions(emulator: KlusterEmulator, settings: dict) -> None:
    emulator.settings.extra_models.add("acme/coder-codex-1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        llm = ChatKluster(**settings)
    llm.invoke("hi")
    list(llm.stream("hi"))
    assert {r.path for r in emulator.requests} == {CHAT_PATH}
    assert_clean_wire(emulator, expected_requests=2)


# --- n, usage, history ------------------------------------------------------------------------


def test_n_greater_than_one_makes_n_requests(emulator: KlusterEmulator) -> None:
    emulator.queue_replies("first", "second", "third")
    result = ChatKluster(n=2).generate([[HumanMessage("hi")]])
    assert [g.text for g in result.generations[0]] == ["first", "second"]
    assert result.llm_output["token_usage"]["completion_tokens"] == 2
    assert len(assert_clean_wire(emulator, expected_requests=2)) == 2


async def test_n_per_call_async(emulator: KlusterEmulator) -> None:
    result = await ChatKluster().agenerate([[HumanMessage("hi")]], n=3)
    assert len(result.generations[0]) == 3
    assert_clean_wire(emulator, expected_requests=3)


def test_stream_usage_arrives_on_the_final_chunk(emulator: KlusterEmulator) -> None:
    emulator.queue_replies("one two three")
    chunks = list(ChatKluster(stream_usage=True).stream("hi"))
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1
    assert with_usage[0].usage_metadata["output_tokens"] == 3
    assert chunks.index(with_usage[0]) >= len(chunks) - 2  # only the end marker follows
    assert_clean_wire(emulator, expected_requests=1)


def test_no_usage_when_the_server_sends_none(emulator: KlusterEmulator) -> None:
    emulator.settings.stream_usage = False
    chunks = list(ChatKluster(stream_usage=True).stream("hi"))
    assert not any(c.usage_metadata for c in chunks)


def test_message_name_becomes_a_prefix(emulator: KlusterEmulator) -> None:
    ChatKluster().invoke([SystemMessage("be brief", name="sys"), HumanMessage("hello", name="ada")])
    body = assert_clean_wire(emulator, expected_requests=1)[0]
    assert body["messages"][1] == {"role": "user", "content": "ada: hello"}


def test_tool_call_history_is_rewritten(emulator: KlusterEmulator) -> None:
    """On a model without native tools (tool models keep the history: test_tools_native.py)."""
    history = [
        HumanMessage("What is 1 + 2?"),
        AIMessage(
            "",
            tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "c1", "type": "tool_call"}],
        ),
        ToolMessage('{"result": 3}', name="add", tool_call_id="c1"),
    ]
    assert ChatKluster(model=TEXT_ONLY_MODEL).invoke(history).content
    body = assert_clean_wire(emulator, expected_requests=1)[0]
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["user", "assistant", "user"]
    assert "add" in body["messages"][1]["content"]
    assert '{"result": 3}' in body["messages"][2]["content"]


# --- tools, streams, event loops -------------------------------------------------------------


def test_bind_tools_with_tool_calling_off_says_what_to_do_instead(
    emulator: KlusterEmulator,
) -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    with pytest.raises(ToolCallingNotSupportedError, match="tool_calling='auto'"):
        ChatKluster(tool_calling="off").bind_tools([add])
    assert emulator.chat_requests() == []


def test_a_cut_stream_raises(emulator: KlusterEmulator) -> None:
    emulator.queue_replies("one two three four five")
    emulator.add_fault(cut_after_chunks=2, cut_mode="truncate")
    with pytest.raises(StreamInterruptedError):
        list(ChatKluster(max_retries=0).stream("hi"))


def test_async_works_across_event_loops(emulator: KlusterEmulator) -> None:
    llm = ChatKluster(max_retries=0)

    async def batch() -> list:
        return await llm.abatch(["a", "b", "c"])

    async def stream() -> list:
        return [chunk async for chunk in llm.astream("d")]

    assert len(asyncio.run(batch())) == 3
    assert asyncio.run(stream())
    assert asyncio.run(llm.ainvoke("e")).content
    assert_clean_wire(emulator, expected_requests=5)
