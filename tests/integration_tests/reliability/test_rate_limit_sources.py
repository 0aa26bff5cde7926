"""Where the limits come from, on the wire: the live model list once the catalog is loaded
(then explicit options win over it, and it wins over the tier), nothing once it is reset;
and LangChain's own ``rate_limiter=`` still gates every call on top."""

from __future__ import annotations

import asyncio

import openai
import pytest
from langchain_core.rate_limiters import BaseRateLimiter, InMemoryRateLimiter

from kluster_integrations.core.models import refresh_capabilities, reset_catalog
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.langchain import ChatKluster


def most_at_once(emulator: KlusterEmulator) -> int:
    return max(r.in_flight or 0 for r in emulator.requests)


@pytest.fixture
def live_limits(kluster_env: KlusterEmulator):
    """The emulator limited to 3 at once, its model list saying so, and the list loaded."""
    kluster_env.set_rate_limits(requests_per_minute=600, max_concurrent=3)
    kluster_env.settings.latency = 0.05
    refresh_capabilities(openai.OpenAI(base_url=kluster_env.base_url, api_key=EMULATOR_API_KEY))
    kluster_env.reset()
    yield kluster_env
    reset_catalog()


def burst(llm: ChatKluster, count: int = 20) -> list:
    return asyncio.run(
        llm.abatch(["hi"] * count, config={"max_concurrency": count}, return_exceptions=True)
    )


def test_the_live_list_s_limits_apply_without_options(live_limits):
    answers = burst(ChatKluster())
    assert not [a for a in answers if isinstance(a, Exception)]
    assert live_limits.rate_limited() == []
    assert most_at_once(live_limits) == 3


def test_explicit_options_win_over_the_live_list(live_limits):
    burst(ChatKluster(max_concurrent_requests=2))
    assert most_at_once(live_limits) == 2


def test_the_live_list_wins_over_the_tier(live_limits):
    burst(ChatKluster(tier="core"))  # Core would allow 100 at once
    assert live_limits.rate_limited() == []
    assert most_at_once(live_limits) == 3


def test_without_the_live_list_nothing_limits(live_limits):
    reset_catalog()
    burst(ChatKluster(max_retries=0))
    assert most_at_once(live_limits) > 3
    assert live_limits.rate_limited() != []


class CountingLimiter(BaseRateLimiter):
    """LangChain's rate-limiter interface, counting the calls it lets through."""

    def __init__(self) -> None:
        self.acquired = 0

    def acquire(self, *, blocking: bool = True) -> bool:
        self.acquired += 1
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        self.acquired += 1
        return True


def test_langchain_s_rate_limiter_still_gates_each_call(kluster_env):
    kluster_env.set_rate_limits(max_concurrent=2)
    kluster_env.settings.latency = 0.05
    gate = CountingLimiter()
    llm = ChatKluster(rate_limiter=gate, max_concurrent_requests=2)
    llm.batch(["hi"] * 6, config={"max_concurrency": 6})
    asyncio.run(llm.ainvoke("hi"))
    assert gate.acquired == 7
    assert len(kluster_env.chat_requests()) == 7
    assert kluster_env.rate_limited() == []
    assert most_at_once(kluster_env) == 2


def test_langchain_s_in_memory_limiter_and_the_account_s_combine(kluster_env):
    llm = ChatKluster(
        rate_limiter=InMemoryRateLimiter(requests_per_second=50, max_bucket_size=5),
        requests_per_minute=600,
    )
    assert len(llm.batch(["hi"] * 5)) == 5
    assert len(kluster_env.chat_requests()) == 5
