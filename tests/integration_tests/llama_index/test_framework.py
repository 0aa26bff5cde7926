"""Each private LlamaIndex part ``llama_index/_framework.py`` relies on still exists with the
shape relied on; these go red when LlamaIndex changes it."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import openai
import pytest
from llama_index.core.llms import ChatMessage
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from llama_index.llms.openai_like import OpenAILike

from kluster_integrations.emulator.server import KlusterEmulator
from kluster_integrations.llama_index._framework import (
    CALLED_METHODS,
    EMBEDDING_HOOKS,
    LLM_HOOKS,
    USER_CHOSEN_KEY,
    credential_kwargs,
    response_token_counts,
)
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
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


@pytest.mark.parametrize(
    ("ours", "stock", "hooks"),
    [(KlusterLLM, OpenAILike, LLM_HOOKS), (KlusterEmbedding, OpenAIEmbedding, EMBEDDING_HOOKS)],
)
def test_every_private_override_is_listed(ours: type, stock: type, hooks: dict) -> None:
    """A private name our class defines that the stock class has too is a hook it
    overrides: it must be listed (and so checked above)."""
    own = {name for name in vars(ours) if name.startswith("_") and "__" not in name}
    own.discard("_abc_impl")  # abc's own, on every abstract class
    assert own & set(dir(stock)) == set(hooks)


def test_credential_kwargs_are_the_clients_own(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(max_retries=1, timeout=7.0)
    sync, not_sync = credential_kwargs(llm), credential_kwargs(llm, is_async=True)
    assert sync["base_url"] == kluster_env.base_url and sync["max_retries"] == 1
    assert sync["timeout"] == 7.0 and sync["http_client"] is not not_sync["http_client"]


def test_response_token_counts_reads_usage(kluster_env: KlusterEmulator) -> None:
    completion = openai.OpenAI(api_key="k", base_url=kluster_env.base_url).chat.completions.create(
        model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
        messages=[{"role": "user", "content": "hi"}],
    )
    counts = response_token_counts(KlusterLLM(), completion)
    assert counts["total_tokens"] == completion.usage.total_tokens > 0


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
    """LlamaIndex's retry layer is still there (else ``without_llamaindex_retries`` is not needed
    any more): two attempts of three SDK requests each with ``max_retries=2``."""
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


class _Recorder:
    """An openai client whose ``chat.completions.create`` records what LlamaIndex passed,
    then sends the request without the marker through the real client."""

    def __init__(self, client: Any, seen: list[dict[str, Any]]) -> None:
        self._client = client
        self._seen = seen
        self.chat = self
        self.completions = self

    def create(self, **request: Any) -> Any:
        self._seen.append(dict(request))
        request.pop(USER_CHOSEN_KEY, None)
        return self._client.chat.completions.create(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _AsyncRecorder(_Recorder):
    async def create(self, **request: Any) -> Any:  # type: ignore[override]
        self._seen.append(dict(request))
        request.pop(USER_CHOSEN_KEY, None)
        return await self._client.chat.completions.create(**request)


class _Marking(OpenAILike):
    """The stock class, with a marker added in ``_get_model_kwargs`` as ``KlusterLLM`` does."""

    def _get_model_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return {**super()._get_model_kwargs(**kwargs), USER_CHOSEN_KEY: frozenset(kwargs)}

    def _get_client(self) -> Any:
        return _Recorder(super()._get_client(), self.__dict__.setdefault("_seen_requests", []))

    def _get_aclient(self) -> Any:
        return _AsyncRecorder(
            super()._get_aclient(), self.__dict__.setdefault("_seen_requests", [])
        )


def test_model_kwargs_reach_create_unchanged(kluster_env: KlusterEmulator) -> None:
    """The user-chosen names travel from ``_get_model_kwargs`` to ``create`` in every chat
    path, as the key ``USER_CHOSEN_KEY``."""
    llm = stock_llm(_Marking, kluster_env, max_retries=0)
    messages = [ChatMessage(role="user", content="hi")]

    async def async_paths() -> None:
        await llm.achat(messages, top_p=0.5)
        async for _ in await llm.astream_chat(messages, top_p=0.5):
            pass

    llm.chat(messages, top_p=0.5)
    list(llm.stream_chat(messages, top_p=0.5))
    asyncio.run(async_paths())
    seen = llm.__dict__["_seen_requests"]
    assert len(seen) == 4
    assert all(request[USER_CHOSEN_KEY] >= {"top_p"} for request in seen)
    assert all(USER_CHOSEN_KEY not in body for body in kluster_env.chat_requests())


def test_the_stock_chat_methods_keep_their_undecorated_form() -> None:
    """``without_llamaindex_retries`` reads the method LlamaIndex's retry decorator keeps as
    ``__wrapped__``; the form it returns is not the decorated one."""
    from llama_index.llms.openai_like import OpenAILike

    from kluster_integrations.llama_index._framework import without_llamaindex_retries

    for name in ("_chat", "_stream_chat", "_achat", "_astream_chat"):
        assert hasattr(getattr(OpenAILike, name), "__wrapped__"), name
        assert without_llamaindex_retries(OpenAILike, name) is not getattr(OpenAILike, name)
