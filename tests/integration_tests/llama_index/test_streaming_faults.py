"""A stream cut short raises StreamInterruptedError instead of ending quietly."""

from __future__ import annotations

import pytest
from llama_index.core.llms import ChatMessage

from kluster_integrations.core.errors import StreamInterruptedError
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM

HI = [ChatMessage(role="user", content="Tell me about kluster.ai batch jobs.")]
LONG_REPLY = "Batch jobs run many requests at once and finish within the window you pick."


@pytest.mark.parametrize("cut_mode", ["abort", "truncate"])
def test_stream_chat_cut(llm: KlusterLLM, kluster_env: KlusterEmulator, cut_mode: str) -> None:
    kluster_env.queue_replies(LONG_REPLY)
    kluster_env.add_fault(cut_after_chunks=3, cut_mode=cut_mode)
    received = []
    with pytest.raises(StreamInterruptedError) as caught:
        for response in llm.stream_chat(HI):
            received.append(response.delta)
    assert "".join(received) == "Batch jobs run"
    assert caught.value.received_chars == len("Batch jobs run")


@pytest.mark.parametrize("cut_mode", ["abort", "truncate"])
async def test_astream_chat_cut(
    llm: KlusterLLM, kluster_env: KlusterEmulator, cut_mode: str
) -> None:
    kluster_env.queue_replies(LONG_REPLY)
    kluster_env.add_fault(cut_after_chunks=2, cut_mode=cut_mode)
    with pytest.raises(StreamInterruptedError):
        async for _ in await llm.astream_chat(HI):
            pass


def test_stream_complete_cut(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies(LONG_REPLY)
    kluster_env.add_fault(cut_after_chunks=1, cut_mode="truncate")
    with pytest.raises(StreamInterruptedError):
        list(llm.stream_complete("Tell me about batch jobs."))


def test_whole_stream_passes(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies(LONG_REPLY)
    assert "".join(r.delta for r in llm.stream_chat(HI)) == LONG_REPLY
