"""Streams and results as ``ChatOpenAI`` gives them, where the answer path is the package's
own: the per-chunk timeout (its default, environment variable or field), the callbacks'
``logprobs`` keyword, and no made-up headers on Batch API results."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_openai import ChatOpenAI

from kluster_integrations.emulator import batch_store
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain import ChatKluster

MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"


async def _drain(llm: ChatKluster) -> list[Any]:
    return [chunk async for chunk in llm.astream("hello")]


def test_the_stream_chunk_timeout_from_the_environment_bounds_async_streams(
    kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGCHAIN_OPENAI_STREAM_CHUNK_TIMEOUT_S", "0.2")
    kluster_env.state.settings.chunk_delay = 0.5
    llm = ChatKluster(max_tokens=6)
    assert llm.stream_chunk_timeout == 0.2
    with pytest.raises(TimeoutError):  # langchain-openai's StreamChunkTimeoutError
        asyncio.run(_drain(llm))


def test_the_chunk_timeout_measures_the_servers_chunks_not_held_back_text(
    kluster_env: KlusterEmulator,
) -> None:
    """Prompted tools hold text back while it may open a call; the gaps that count are the
    server's (50 ms here), not the ones between the chunks handed on."""
    kluster_env.state.settings.chunk_delay = 0.05

    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    llm = ChatKluster(
        model="mistralai/Mistral-Nemo-Instruct-2407", stream_chunk_timeout=0.3, max_tokens=200
    ).bind_tools([multiply])

    async def drain() -> list[Any]:
        return [chunk async for chunk in llm.astream("What is 6 times 7? Use multiply.")]

    chunks = asyncio.run(drain())
    assert sum(chunks[1:], chunks[0]).tool_calls


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.kwargs: list[dict[str, Any]] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.kwargs.append(kwargs)


def test_new_token_callbacks_get_the_keywords_chat_openai_gives(
    kluster_env: KlusterEmulator,
) -> None:
    """Where LangChain hands ``_stream`` the run manager (``stream_events`` v3), each chunk
    is reported with the keywords ``ChatOpenAI._stream`` gives (``logprobs=`` among them)."""
    stock = ChatOpenAI(model=MODEL, base_url=kluster_env.base_url, api_key="k", stream_usage=False)
    seen = []
    for llm in (stock, ChatKluster(model=MODEL)):
        handler = _Tokens()
        stream = llm.bind(max_completion_tokens=10).stream_events(
            "hi", {"callbacks": [handler]}, version="v3"
        )
        stream.output  # noqa: B018 - reading the output drains the stream
        seen.append([sorted(kwargs) for kwargs in handler.kwargs])
    assert seen[1] == seen[0] and all("logprobs" in keys for keys in seen[1])


def test_batch_results_carry_no_made_up_headers(kluster_env: KlusterEmulator) -> None:
    batch_store(kluster_env.state).reset()
    llm = ChatKluster(max_tokens=10, include_response_headers=True)
    assert "headers" in llm.invoke("hello").response_metadata
    job = llm.submit_batch(["hello"])
    job.wait(poll_interval=0.01, progress=False)
    assert "headers" not in job.results()[0].response_metadata
