"""300 concurrent async requests through each adapter (``LOAD_REQUESTS=1000`` for the long
run): all answered, nothing leaked.

Open file descriptors (/proc/self/fd; the emulator runs in this process, so both ends of
each connection count) may grow by the connection pool's keep-alive connections, which
are bounded, but never in proportion to the number of requests.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM

#: 300 requests at once show descriptors bounded by the pool as surely as 1,000: growth in
#: proportion to the requests would be far past KEEP_ALIVE_BOUND.
REQUESTS = int(os.environ.get("LOAD_REQUESTS", "300"))
#: The adapters' pools (core.transport) keep at most 20 idle connections; both ends are counted,
#: and the margin absorbs descriptors the test process opens for other reasons.
KEEP_ALIVE_BOUND = 2 * 20 + 40

pytestmark = [
    pytest.mark.skipif(
        not sys.platform.startswith("linux"),
        reason="counts open file descriptors through /proc/self/fd",
    ),
    pytest.mark.timeout(120),
]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def settled_fds(at_most: int, attempts: int = 50) -> int:
    """The descriptor count once it is at most ``at_most``, or after ``attempts`` polls
    (the server closes its end of a dropped connection a moment after the client)."""
    count = open_fds()
    for _ in range(attempts):
        if count <= at_most:
            break
        await asyncio.sleep(0.1)
        count = open_fds()
    return count


async def burst(
    emulator: KlusterEmulator,
    send: Callable[[str], Awaitable[Any]],
    many: Callable[[list[str]], Awaitable[list[Any]]] | None = None,
) -> list[Any]:
    """Warm the pool with one request, then send ``REQUESTS`` at once (``many`` sends them
    as one batch call, else they are gathered); check every one reached the emulator and
    that open descriptors stay within the keep-alive bound."""
    gc.collect()  # sockets earlier tests left to the collector must not close mid-count
    await send("warm up the pool")
    fds_before, requests_before = open_fds(), len(emulator.requests)
    texts = [f"Question {i}" for i in range(REQUESTS)]
    results = await (many(texts) if many else asyncio.gather(*(send(t) for t in texts)))
    assert len(results) == REQUESTS
    assert len(emulator.requests) - requests_before == REQUESTS
    assert await settled_fds(fds_before + KEEP_ALIVE_BOUND) <= fds_before + KEEP_ALIVE_BOUND
    return list(results)


async def test_langchain_abatch(kluster_env: KlusterEmulator) -> None:
    llm = ChatKluster(max_retries=0, max_tokens=16)
    replies = await burst(kluster_env, llm.ainvoke, many=llm.abatch)
    assert all(reply.text for reply in replies)


async def test_llama_index_gather(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(max_retries=0, max_tokens=16)
    replies = await burst(kluster_env, llm.acomplete)
    assert all(reply.text for reply in replies)


async def test_langchain_embeddings_gather(kluster_env: KlusterEmulator) -> None:
    vectors = await burst(kluster_env, KlusterEmbeddings(max_retries=0).aembed_query)
    assert all(len(v) == 1024 for v in vectors)


async def test_llama_index_embeddings_gather(kluster_env: KlusterEmulator) -> None:
    vectors = await burst(kluster_env, KlusterEmbedding(max_retries=0).aget_text_embedding)
    assert all(len(v) == 1024 for v in vectors)
