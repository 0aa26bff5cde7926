"""A stream cut off mid-way raises ``StreamInterruptedError``; it never ends as a short answer.

The LlamaIndex chat streams are covered in
tests/integration_tests/llama_index/test_streaming_faults.py; here the LangChain streams (alone
and in a chain) and LlamaIndex's completion streams.
"""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.output_parsers import StrOutputParser

from kluster_integrations.core.errors import StreamInterruptedError
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM
from tests.integration_tests.reliability.adapters import PROMPT, STREAMING_CALLS, ChatCall

REPLY = "Batch jobs run many requests at once and finish within the window you pick."
FIRST_THREE_WORDS = "Batch jobs run"


@pytest.mark.parametrize("cut_mode", ["abort", "truncate"])
@pytest.mark.parametrize(
    "call", [c for c in STREAMING_CALLS if c.framework == "langchain"], ids=str
)
def test_langchain_stream_cut_raises(
    call: ChatCall, cut_mode: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.queue_replies(REPLY)
    kluster_env.add_fault(cut_after_chunks=3, cut_mode=cut_mode)
    with pytest.raises(StreamInterruptedError) as caught:
        call.run(max_retries=2)
    assert caught.value.received_chars == len(FIRST_THREE_WORDS)
    assert "incomplete" in str(caught.value)
    assert len(kluster_env.chat_requests()) == 1


def test_langchain_chain_stream_cut_raises_after_the_partial_text(
    kluster_env: KlusterEmulator,
) -> None:
    kluster_env.queue_replies(REPLY)
    kluster_env.add_fault(cut_after_chunks=3, cut_mode="truncate")
    chain = ChatKluster(max_retries=0) | StrOutputParser()
    received: list[str] = []
    with pytest.raises(StreamInterruptedError):
        for piece in chain.stream(PROMPT):
            received.append(piece)
    assert "".join(received) == FIRST_THREE_WORDS


@pytest.mark.parametrize("cut_mode", ["abort", "truncate"])
def test_llama_index_stream_complete_cut_raises(
    cut_mode: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.queue_replies(REPLY)
    kluster_env.add_fault(cut_after_chunks=3, cut_mode=cut_mode)
    with pytest.raises(StreamInterruptedError):
        for _ in KlusterLLM(max_retries=0).stream_complete(PROMPT):
            pass


@pytest.mark.parametrize("cut_mode", ["abort", "truncate"])
def test_llama_index_astream_complete_cut_raises(
    cut_mode: str, kluster_env: KlusterEmulator
) -> None:
    async def consume() -> str:
        return "".join(
            [r.delta or "" async for r in await KlusterLLM(max_retries=0).astream_complete(PROMPT)]
        )

    kluster_env.queue_replies(REPLY)
    kluster_env.add_fault(cut_after_chunks=3, cut_mode=cut_mode)
    with pytest.raises(StreamInterruptedError):
        asyncio.run(consume())
    assert len(kluster_env.chat_requests()) == 1
