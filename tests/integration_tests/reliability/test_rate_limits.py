"""Rate limits that know the account, on an emulator that enforces them: every request of
all four classes (sync, async, threads; retries included) takes a slot of one limiter per
API key and server, so a burst of calls meets no 429 and never more requests at once than
allowed, as the emulator's request log shows; a 429 pauses every caller of that account
and model for its ``Retry-After``."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from llama_index.core.llms import ChatMessage

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.core.errors import KlusterTimeoutError, RateLimitWaitError
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain import ChatKluster, KlusterEmbeddings
from kluster_integrations.llama_index import KlusterEmbedding, KlusterLLM

HELLO = [ChatMessage(role="user", content="hi")]
OTHER_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
LIMITED = {"requests_per_minute": 600, "max_concurrent_requests": 5}


def most_at_once(emulator: KlusterEmulator) -> int:
    """The most requests of one key and model the emulator was answering at once."""
    return max(r.in_flight or 0 for r in emulator.requests)


@pytest.fixture
def limited(kluster_env: KlusterEmulator) -> KlusterEmulator:
    kluster_env.set_rate_limits(requests_per_minute=600, max_concurrent=5)
    kluster_env.settings.latency = 0.02
    return kluster_env


def test_chat_kluster_abatch_meets_no_429(limited):
    llm = ChatKluster(**LIMITED)
    answers = asyncio.run(llm.abatch(["hi"] * 100, config={"max_concurrency": 50}))
    assert len(answers) == 100 and all(a.content for a in answers)
    assert limited.rate_limited() == []
    assert len(limited.chat_requests()) == 100  # no retries either
    assert most_at_once(limited) == 5


def test_kluster_llm_gather_meets_no_429(limited):
    llm = KlusterLLM(**LIMITED)

    async def gathered():
        return await asyncio.gather(*(llm.achat(HELLO) for _ in range(100)))

    answers = asyncio.run(gathered())
    assert len(answers) == 100 and all(a.message.content for a in answers)
    assert limited.rate_limited() == []
    assert len(limited.chat_requests()) == 100
    assert most_at_once(limited) == 5


def test_two_objects_on_one_key_share_the_budget(limited):
    first, second = ChatKluster(**LIMITED), ChatKluster(**LIMITED)

    async def both():
        config = {"max_concurrency": 25}
        return await asyncio.gather(
            first.abatch(["hi"] * 30, config=config), second.abatch(["hi"] * 30, config=config)
        )

    answers = asyncio.run(both())
    assert sum(map(len, answers)) == 60
    assert limited.rate_limited() == []
    assert most_at_once(limited) == 5


def test_the_four_classes_threads_and_event_loops_share_one_limiter(limited):
    """LangChain and LlamaIndex on one chat model, from threads and an event loop at once;
    the embeddings classes on theirs. Only one object states the limits."""
    declared = ChatKluster(max_concurrent_requests=3)
    plain_chat, plain_llm = ChatKluster(), KlusterLLM()
    embeddings, embedding = KlusterEmbeddings(), KlusterEmbedding()
    limited.settings.latency = 0.05

    def in_threads() -> None:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: plain_chat.invoke("hi"), range(8)))
            list(pool.map(lambda _: embeddings.embed_query("hi"), range(6)))

    async def in_a_loop() -> None:
        await asyncio.gather(
            *(plain_llm.achat(HELLO) for _ in range(8)),
            *(embedding.aget_text_embedding("hi") for _ in range(6)),
        )

    thread = threading.Thread(target=in_threads)
    thread.start()
    asyncio.run(in_a_loop())
    thread.join(timeout=60)
    assert declared.max_concurrent_requests == 3
    assert limited.rate_limited() == []
    by_path = {
        path: max(r.in_flight or 0 for r in limited.requests if r.path == path)
        for path in ("/v1/chat/completions", "/v1/embeddings")
    }
    assert by_path == {"/v1/chat/completions": 3, "/v1/embeddings": 3}


def test_another_key_has_its_own_budget(limited, monkeypatch):
    ChatKluster(**LIMITED, api_key="key-one").batch(["hi"] * 3)
    unlimited = ChatKluster(api_key="key-two", max_retries=0)
    answers = unlimited.batch(["hi"] * 12, config={"max_concurrency": 12}, return_exceptions=True)
    assert any(isinstance(a, Exception) for a in answers)  # nobody limited key-two
    assert limited.rate_limited() != []


@pytest.mark.parametrize(
    ("retry_after", "pause"), [(2.0, 2.0), (None, 1.0)], ids=["retry-after", "none"]
)
def test_a_429_pauses_every_caller_on_the_account_and_model(kluster_env, retry_after, pause):
    """One object's request gets a 429; a request another object sends meanwhile on the
    same key and model waits out the pause; another model does not."""
    kluster_env.add_fault(status=429, retry_after=retry_after, times=1)
    first, second = ChatKluster(**LIMITED), ChatKluster(**LIMITED)
    other_model = ChatKluster(**LIMITED, model=OTHER_MODEL)
    thread = threading.Thread(target=first.invoke, args=("hi",))
    thread.start()
    while not kluster_env.requests:
        time.sleep(0.005)
    refused_at = kluster_env.requests[0].at
    other_model.invoke("hi")
    second.invoke("hi")
    thread.join(timeout=30)
    assert len(kluster_env.requests) == 4  # the refused request was sent again once
    other = [r.at for r in kluster_env.requests[1:] if r.body["model"] == OTHER_MODEL]
    same = [r.at for r in kluster_env.requests[1:] if r.body["model"] == DEFAULT_CHAT_MODEL]
    assert other[0] - refused_at < pause / 2
    assert len(same) == 2 and min(same) - refused_at >= pause * 0.9


def test_retries_take_slots_too(kluster_env):
    """A request retried after a 500 has started twice: the window is full after three
    starts and a fourth waits, here past its deadline."""
    kluster_env.add_fault(status=500, times=1)
    llm = ChatKluster(requests_per_minute=3)
    llm.invoke("hi")
    llm.invoke("hi")
    assert len(kluster_env.chat_requests()) == 3
    with pytest.raises(RateLimitWaitError) as caught:
        ChatKluster(requests_per_minute=3, deadline=0.5).invoke("hi")
    assert isinstance(caught.value, KlusterTimeoutError)
    assert "3 requests per 60 s" in str(caught.value)
    assert len(kluster_env.chat_requests()) == 3  # nothing was sent


def test_waiting_for_a_slot_does_not_count_against_the_default_deadline(kluster_env, monkeypatch):
    """With a one-second default deadline, a call that queues two seconds behind a slow
    stream still gets its whole second; an explicit deadline counts the wait."""
    from kluster_integrations.core.transport import _guards

    monkeypatch.setattr(_guards, "DEFAULT_DEADLINE", 1.0)
    kluster_env.settings.chunk_delay = 0.3
    kluster_env.queue_replies("one two three four five six seven eight")
    slow = KlusterLLM(max_concurrent_requests=1)
    queued = KlusterLLM(max_concurrent_requests=1)
    holder = threading.Thread(target=lambda: list(slow.stream_chat(HELLO)))
    holder.start()
    while not kluster_env.requests:
        time.sleep(0.005)
    assert queued.chat(HELLO).message.content
    holder.join(timeout=30)
    assert kluster_env.requests[1].at - kluster_env.requests[0].at > 1.0
    kluster_env.reset()
    kluster_env.queue_replies("one two three four five six seven eight")
    holder = threading.Thread(target=lambda: list(slow.stream_chat(HELLO)))
    holder.start()
    while not kluster_env.requests:
        time.sleep(0.005)
    with pytest.raises(RateLimitWaitError):
        KlusterLLM(max_concurrent_requests=1, deadline=0.5).chat(HELLO)
    holder.join(timeout=30)


def test_the_trial_tier_keeps_35_requests_under_30_a_minute(kluster_env):
    """kluster.ai's Trial tier: 35 requests, 30 of them at once and five a minute later,
    none refused. (This test waits out one minute.)"""
    kluster_env.set_rate_limits(tier="trial")
    llm = ChatKluster(tier="trial")
    answers = asyncio.run(llm.abatch(["hi"] * 35, config={"max_concurrency": 35}))
    assert len(answers) == 35
    assert kluster_env.rate_limited() == []
    starts = sorted(r.at for r in kluster_env.requests)
    assert len(starts) == 35
    assert all(later - earlier >= 60 for earlier, later in zip(starts, starts[30:], strict=False))
