"""The loop-local async pool, through the real openai SDK against the emulator."""

from __future__ import annotations

import asyncio

import openai
import pytest

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.core.transport import LoopLocalAsyncTransport

HELLO = [{"role": "user", "content": "hi"}]


def ask_in_two_event_loops(client: openai.AsyncOpenAI) -> None:
    async def ask() -> None:
        await asyncio.gather(
            *(
                client.chat.completions.create(model=DEFAULT_CHAT_MODEL, messages=HELLO)
                for _ in range(3)
            )
        )

    asyncio.run(ask())
    asyncio.run(ask())


def test_one_client_serves_two_event_loops(kluster_emulator):
    client = openai.AsyncOpenAI(
        base_url=kluster_emulator.base_url,
        api_key="k",
        max_retries=0,
        http_client=openai.DefaultAsyncHttpxClient(transport=LoopLocalAsyncTransport()),
    )
    ask_in_two_event_loops(client)
    assert len(kluster_emulator.chat_requests()) == 6


def test_the_sdk_default_pool_breaks_in_the_second_loop(kluster_emulator):
    """Why the adapters bring their own pool: the problem this module exists for."""
    client = openai.AsyncOpenAI(base_url=kluster_emulator.base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        ask_in_two_event_loops(client)
