"""Each private LlamaIndex behaviour ``llama_index/_internals.py`` relies on still exists with
the shape relied on; these go red when LlamaIndex changes it."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from llama_index.core.llms import ChatMessage
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from llama_index.llms.openai_like import OpenAILike

from kluster_integrations.emulator import KlusterEmulator
from kluster_integrations.llama_index import KlusterLLM
from kluster_integrations.llama_index._internals import (
    OPENAI_EMBEDDING_METHODS,
    OPENAI_LLM_METHODS,
    RETRIED_CHAT_METHODS,
    USER_CHOSEN_KEY,
    without_llamaindex_retries,
)


@pytest.mark.parametrize("name", sorted(OPENAI_LLM_METHODS))
def test_openai_llm_methods_keep_their_signatures(name: str) -> None:
    parameters = list(inspect.signature(getattr(OpenAI, name)).parameters)
    expected = OPENAI_LLM_METHODS[name]
    assert parameters[: len(expected)] == expected


@pytest.mark.parametrize("name", sorted(OPENAI_EMBEDDING_METHODS))
def test_openai_embedding_methods_keep_their_signatures(name: str) -> None:
    parameters = list(inspect.signature(getattr(OpenAIEmbedding, name)).parameters)
    assert parameters == OPENAI_EMBEDDING_METHODS[name]


@pytest.mark.parametrize("name", RETRIED_CHAT_METHODS)
def test_chat_methods_still_carry_the_retry_decorator(name: str) -> None:
    """If LlamaIndex stops wrapping these, the unwrapping has nothing to do (and must go)."""
    decorated = getattr(OpenAI, name)
    plain = without_llamaindex_retries(decorated)
    assert plain is not decorated
    assert plain.__name__ == name and not hasattr(plain, "__wrapped__")
    assert "max_retries" in inspect.getsource(decorated.__code__)  # the decorator's body


@pytest.mark.parametrize("name", RETRIED_CHAT_METHODS)
def test_kluster_llm_uses_the_undecorated_chat_methods(name: str) -> None:
    sent = getattr(KlusterLLM, name).__wrapped__  # under the reasoning wrapper
    assert sent is without_llamaindex_retries(getattr(OpenAILike, name))
    assert not hasattr(sent, "__wrapped__")


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
    llm = _Marking(
        model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
        api_key="k",
        api_base=kluster_env.base_url,
        is_chat_model=True,
        max_retries=0,
    )
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
