"""A stream cut inside a reasoning model's thinking is an incomplete answer, as any other cut:
both adapters raise ``StreamInterruptedError`` after showing only thinking, never a tag."""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.types import ChatMessage

from kluster_integrations.core.errors import StreamInterruptedError
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM

R1 = "deepseek-ai/DeepSeek-R1-0528"


@pytest.mark.parametrize("cut_mode", ["abort", "truncate"])
def test_langchain(kluster_env: KlusterEmulator, cut_mode: str) -> None:
    kluster_env.add_fault(cut_after_chunks=4, cut_mode=cut_mode)
    seen = []
    with pytest.raises(StreamInterruptedError):
        for chunk in ChatKluster(model=R1, max_retries=0).stream("Is 91 prime?"):
            seen.append(chunk)
    assert all(chunk.content == "" for chunk in seen)
    assert (
        "".join(c.additional_kwargs.get("reasoning_content", "") for c in seen)
        == 'The user asks: "Is'
    )


@pytest.mark.parametrize("cut_mode", ["abort", "truncate"])
async def test_llama_index(kluster_env: KlusterEmulator, cut_mode: str) -> None:
    kluster_env.add_fault(cut_after_chunks=4, cut_mode=cut_mode)
    seen = []
    with pytest.raises(StreamInterruptedError):
        stream = await KlusterLLM(model=R1, max_retries=0).astream_chat(
            [ChatMessage(role="user", content="Is 91 prime?")]
        )
        async for response in stream:
            seen.append(response)
    assert all(not response.delta for response in seen)
    assert (
        "".join(r.additional_kwargs.get("thinking_delta", "") for r in seen) == 'The user asks: "Is'
    )
