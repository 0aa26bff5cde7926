"""Each private LlamaIndex part ``llama_index/_framework.py`` relies on still exists with the
shape relied on; these go red when LlamaIndex changes it."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import openai
import pytest
from llama_index.core.evaluation import BaseEvaluator
from llama_index.core.llms import ChatMessage
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from llama_index.llms.openai_like import OpenAILike

from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index._framework import (
    CALLED_METHODS,
    EMBEDDING_HOOKS,
    EVALUATOR_HOOKS,
    LLM_HOOKS,
    credential_kwargs,
    tool_call_blocks,
)
from kluster_integrations.llama_index._responses import token_counts
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.evaluation import KlusterVerifyEvaluator
from kluster_integrations.llama_index.llms import KlusterLLM

MESSAGES = [ChatMessage(role="user", content="hi")]


@pytest.mark.parametrize("name", sorted({**LLM_HOOKS, **CALLED_METHODS}))
def test_openai_llm_methods_keep_their_signatures(name: str) -> None:
    parameters = list(inspect.signature(getattr(OpenAI, name)).parameters)
    expected = {**LLM_HOOKS, **CALLED_METHODS}[name]
    assert parameters[: len(expected)] == expected


@pytest.mark.parametrize("name", sorted(EMBEDDING_HOOKS))
def test_openai_embedding_methods_keep_their_signatures(name: str) -> None:
    parameters = list(inspect.signature(getattr(OpenAIEmbedding, name)).parameters)
    assert parameters == EMBEDDING_HOOKS[name]


@pytest.mark.parametrize("name", sorted(EVALUATOR_HOOKS))
def test_evaluator_hooks_keep_their_signatures(name: str) -> None:
    assert name in BaseEvaluator.__abstractmethods__
    parameters = list(inspect.signature(getattr(BaseEvaluator, name)).parameters)
    assert parameters == EVALUATOR_HOOKS[name]


@pytest.mark.parametrize(
    ("ours", "stock", "hooks"),
    [
        (KlusterLLM, OpenAILike, LLM_HOOKS),
        (KlusterEmbedding, OpenAIEmbedding, EMBEDDING_HOOKS),
        (KlusterVerifyEvaluator, BaseEvaluator, EVALUATOR_HOOKS),
    ],
)
def test_every_private_override_is_listed(ours: type, stock: type, hooks: dict) -> None:
    """A private name our class defines that the stock class has too is a hook it
    overrides: it must be listed (and so checked above)."""
    own = {
        name
        for klass in ours.__mro__
        if klass.__module__.startswith("kluster_integrations")
        for name in vars(klass)
        if name.startswith("_") and "__" not in name
    }
    own.discard("_abc_impl")  # abc's own, on every abstract class
    assert own & set(dir(stock)) == set(hooks)


def test_credential_kwargs_are_the_clients_own(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(max_retries=1, timeout=7.0)
    sync, not_sync = credential_kwargs(llm), credential_kwargs(llm, is_async=True)
    assert sync["base_url"] == kluster_env.base_url and sync["max_retries"] == 1
    assert sync["timeout"] == 7.0 and sync["http_client"] is not not_sync["http_client"]


def test_token_counts_are_what_the_stock_class_reports(kluster_env: KlusterEmulator) -> None:
    client = openai.OpenAI(api_key="k", base_url=kluster_env.base_url)
    completion = client.chat.completions.create(
        model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
        messages=[{"role": "user", "content": "hi"}],
    )
    stock = stock_llm(OpenAILike, kluster_env, max_retries=0)
    assert token_counts(completion) == stock._get_response_token_counts(completion)
    assert token_counts(completion)["total_tokens"] == completion.usage.total_tokens > 0


def stock_llm(cls: type[OpenAILike], kluster_env: KlusterEmulator, max_retries: int) -> Any:
    """``cls`` (``OpenAILike`` or a subclass) pointed at the emulator."""
    return cls(
        model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
        api_key="k",
        api_base=kluster_env.base_url,
        is_chat_model=True,
        max_retries=max_retries,
    )


def rate_limited(kluster_env: KlusterEmulator) -> None:
    """Every chat request answered 429 with a short ``Retry-After`` (both layers honour it)."""
    kluster_env.add_fault(status=429, retry_after=0.01, times=50)


def test_the_stock_chat_methods_retry_on_top_of_the_sdk(kluster_env: KlusterEmulator) -> None:
    """LlamaIndex's retry layer on its chat methods retries on top of the SDK (why
    ``KlusterLLM`` replaces those methods): two attempts of three SDK requests each."""
    stock = stock_llm(OpenAILike, kluster_env, max_retries=2)
    rate_limited(kluster_env)
    with pytest.raises(openai.RateLimitError):
        stock.chat(MESSAGES)
    assert len(kluster_env.chat_requests()) == 6


def _consume(stream: Any) -> None:
    for _ in stream:
        pass


async def _aconsume(stream: Any) -> None:
    async for _ in await stream:
        pass


CHAT_PATHS: dict[str, Callable[[KlusterLLM], Any]] = {
    "chat": lambda llm: llm.chat(MESSAGES),
    "complete": lambda llm: llm.complete("hi"),
    "stream_chat": lambda llm: _consume(llm.stream_chat(MESSAGES)),
    "achat": lambda llm: asyncio.run(llm.achat(MESSAGES)),
    "astream_chat": lambda llm: asyncio.run(_aconsume(llm.astream_chat(MESSAGES))),
}


@pytest.mark.parametrize("path", sorted(CHAT_PATHS))
def test_kluster_llm_retries_by_the_sdk_only(path: str, kluster_env: KlusterEmulator) -> None:
    """1 + max_retries requests, and the SDK's own error (not the carrier) comes out."""
    rate_limited(kluster_env)
    with pytest.raises(openai.RateLimitError) as caught:
        CHAT_PATHS[path](KlusterLLM(max_retries=2))
    assert type(caught.value) is openai.RateLimitError
    assert len(kluster_env.chat_requests()) == 3


def test_per_call_parameters_reach_the_wire_on_every_path(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(max_retries=0)

    async def async_paths() -> None:
        await llm.achat(MESSAGES, top_p=0.5)
        async for _ in await llm.astream_chat(MESSAGES, top_p=0.5):
            pass

    llm.chat(MESSAGES, top_p=0.5)
    list(llm.stream_chat(MESSAGES, top_p=0.5))
    asyncio.run(async_paths())
    bodies = kluster_env.chat_requests()
    assert [body.get("stream", False) for body in bodies] == [False, True, False, True]
    assert all(body["top_p"] == 0.5 for body in bodies)


TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"


def _multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def test_streamed_tool_calls_read_as_the_stock_class_reads_them(
    kluster_env: KlusterEmulator,
) -> None:
    """On a native tool model the stock class works on kluster.ai's wire format; the last
    streamed response of both gives the same tool selections and block types."""
    from llama_index.core.tools import FunctionTool

    tool = FunctionTool.from_defaults(_multiply)
    stock = stock_llm(OpenAILike, kluster_env, max_retries=0)
    stock.is_function_calling_model = True
    ours = KlusterLLM(model=TOOL_MODEL)
    finals = []
    for llm in (stock, ours):
        *_, last = llm.stream_chat_with_tools([tool], user_msg="What is 6 times 7?")
        finals.append(last)
    selections = [
        [(s.tool_name, s.tool_kwargs) for s in llm.get_tool_calls_from_response(last)]
        for llm, last in zip((stock, ours), finals, strict=True)
    ]
    assert selections[0] == selections[1] and selections[0]
    kinds = [[type(block).__name__ for block in last.message.blocks] for last in finals]
    assert kinds[0] == kinds[1]
    assert len(tool_call_blocks(finals[1].message.additional_kwargs["tool_calls"])) == len(
        selections[1]
    )
