"""Bad input gets a clear typed error, and nothing is sent when the error is known up front.

Unknown model ids are the exception: fine-tunes and dedicated deployments are valid ids the
catalog cannot know, so the server's 404 (``openai.NotFoundError``) is the error.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from typing import Any

import openai
import pydantic
import pytest
from llama_index.core.llms import ChatMessage

from kluster_integrations.core.errors import InvalidRequestError, UnknownModelWarning
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM
from tests.integration_tests.reliability.adapters import CHAT_CALLS, ChatCall

HI = [ChatMessage(role="user", content="hi")]


async def _drain_llama_index(stream: Any) -> None:
    async for _ in await stream:
        pass


async def _drain_langchain(stream: Any) -> None:
    async for _ in stream:
        pass


#: Each way to send an empty conversation.
EMPTY: dict[str, Callable[[], object]] = {
    "langchain-invoke": lambda: ChatKluster().invoke([]),
    "langchain-ainvoke": lambda: asyncio.run(ChatKluster().ainvoke([])),
    "langchain-stream": lambda: list(ChatKluster().stream([])),
    "langchain-astream": lambda: asyncio.run(_drain_langchain(ChatKluster().astream([]))),
    "llama_index-chat": lambda: KlusterLLM().chat([]),
    "llama_index-achat": lambda: asyncio.run(KlusterLLM().achat([])),
    "llama_index-stream_chat": lambda: list(KlusterLLM().stream_chat([])),
    "llama_index-astream_chat": lambda: asyncio.run(
        _drain_llama_index(KlusterLLM().astream_chat([]))
    ),
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_messages(name: str, kluster_env: KlusterEmulator) -> None:
    with pytest.raises(InvalidRequestError, match="`messages` is empty"):
        EMPTY[name]()
    assert kluster_env.requests == []


#: Wrong types, each refused by the framework or the adapter before sending.
WRONG_TYPES: dict[str, tuple[Callable[[], object], type[Exception]]] = {
    "langchain-int-input": (lambda: ChatKluster().invoke(42), ValueError),
    "langchain-unknown-role": (lambda: ChatKluster().invoke([("wizard", "hi")]), ValueError),
    "langchain-temperature-text": (
        lambda: ChatKluster().invoke("hi", temperature="hot"),
        InvalidRequestError,
    ),
    "langchain-max-tokens-text": (
        lambda: ChatKluster().invoke("hi", max_tokens="ten"),
        InvalidRequestError,
    ),
    "llama_index-str-as-messages": (lambda: KlusterLLM().chat("hi"), pydantic.ValidationError),
    "llama_index-unknown-role": (
        lambda: KlusterLLM().chat([ChatMessage(role="wizard", content="hi")]),
        pydantic.ValidationError,
    ),
    "llama_index-temperature-text": (
        lambda: KlusterLLM().chat(HI, temperature="hot"),
        InvalidRequestError,
    ),
    "llama_index-max-tokens-text": (
        lambda: KlusterLLM().chat(HI, max_tokens="ten"),
        InvalidRequestError,
    ),
}


@pytest.mark.parametrize("name", sorted(WRONG_TYPES))
def test_wrong_types(name: str, kluster_env: KlusterEmulator) -> None:
    send, error = WRONG_TYPES[name]
    with pytest.raises(error):
        send()
    assert kluster_env.requests == []


@pytest.mark.parametrize("max_tokens", [-1, 0, 10**9], ids=["negative", "zero", "huge"])
@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_max_tokens_out_of_range_per_call_and_in_the_constructor(
    call: ChatCall, max_tokens: int, kluster_env: KlusterEmulator
) -> None:
    with pytest.raises(InvalidRequestError, match="max_completion_tokens"):
        call.send(
            call.model().bind(max_tokens=max_tokens)
            if call.framework == "langchain"
            else _llm_with_call_kwargs(call.model(), max_tokens=max_tokens)
        )
    with pytest.raises((InvalidRequestError, pydantic.ValidationError), match="max_"):
        call.run(max_tokens=max_tokens)
    assert kluster_env.requests == []


def _llm_with_call_kwargs(llm: KlusterLLM, **call_kwargs: Any) -> KlusterLLM:
    """``llm`` sending ``call_kwargs`` with every request (through ``additional_kwargs``)."""
    llm.additional_kwargs = {**llm.additional_kwargs, **call_kwargs}
    return llm


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_unknown_model_is_sent_once_and_gets_the_sdk_404(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownModelWarning)
        with pytest.raises(openai.NotFoundError, match="does not exist"):
            call.run(model="acme/not-a-model", max_retries=2)
    assert [body["model"] for body in kluster_env.chat_requests()] == ["acme/not-a-model"]


@pytest.mark.parametrize("call", [CHAT_CALLS[0], CHAT_CALLS[5]], ids=str)
def test_fine_tuned_ids_are_not_rejected(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownModelWarning)
        assert call.run(
            model="ft:klusterai/Meta-Llama-3.3-70B-Instruct-Turbo:acme:1", max_tokens=100_000
        )
