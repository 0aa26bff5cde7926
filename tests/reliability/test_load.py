"""1,000 concurrent async requests through each adapter: all answered, nothing leaked.

Open file descriptors (/proc/self/fd; the emulator runs in this process, so both ends of
each connection count) may grow by the connection pool's keep-alive connections, which
are bounded, but never in proportion to the number of requests.
"""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from kluster_integrations.emulator import KlusterEmulator
from kluster_integrations.langchain import ChatKluster, KlusterEmbeddings
from kluster_integrations.llama_index import KlusterEmbedding, KlusterLLM

REQUESTS = 1_000
#: The adapters' pools (core.http) keep at most 20 idle connections; both ends are counted,
#: and the margin absorbs descriptors the test process opens for other reasons.
KEEP_ALIVE_BOUND = 2 * 20 + 40

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="counts open file descriptors through /proc/self/fd"),
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


async def test_langchain_abatch(kluster_env: KlusterEmulator) -> None:
    llm = ChatKluster(max_retries=0, max_tokens=16)
    await llm.ainvoke("warm up the pool")
    fds_before, requests_before = open_fds(), len(kluster_env.requests)

    replies = await llm.abatch([f"Question {i}" for i in range(REQUESTS)])

    assert all(reply.text for reply in replies) and len(replies) == REQUESTS
    assert len(kluster_env.requests) - requests_before == REQUESTS
    assert await settled_fds(fds_before + KEEP_ALIVE_BOUND) <= fds_before + KEEP_ALIVE_BOUND


async def test_llama_index_gather(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(max_retries=0, max_tokens=16)
    await llm.acomplete("warm up the pool")
    fds_before, requests_before = open_fds(), len(kluster_env.requests)

    replies = await asyncio.gather(*(llm.acomplete(f"Question {i}") for i in range(REQUESTS)))

    assert all(reply.text for reply in replies) and len(replies) == REQUESTS
    assert len(kluster_env.requests) - requests_before == REQUESTS
    assert await settled_fds(fds_before + KEEP_ALIVE_BOUND) <= fds_before + KEEP_ALIVE_BOUND


async def test_langchain_embeddings_gather(kluster_env: KlusterEmulator) -> None:
    embeddings = KlusterEmbeddings(max_retries=0)
    await embeddings.aembed_query("warm up the pool")
    fds_before, requests_before = open_fds(), len(kluster_env.requests)

    vectors = await asyncio.gather(*(embeddings.aembed_query(f"text {i}")
                                     for i in range(REQUESTS)))

    assert len(vectors) == REQUESTS and all(len(v) == 1024 for v in vectors)
    assert len(kluster_env.requests) - requests_before == REQUESTS
    assert await settled_fds(fds_before + KEEP_ALIVE_BOUND) <= fds_before + KEEP_ALIVE_BOUND


async def test_llama_index_embeddings_gather(kluster_env: KlusterEmulator) -> None:
    embedding = KlusterEmbedding(max_retries=0)
    await embedding.aget_text_embedding("warm up the pool")
    fds_before, requests_before = open_fds(), len(kluster_env.requests)

    vectors = await asyncio.gather(*(embedding.aget_text_embedding(f"text {i}")
                                     for i in range(REQUESTS)))

    assert len(vectors) == REQUESTS and all(len(v) == 1024 for v in vectors)
    assert len(kluster_env.requests) - requests_before == REQUESTS
    assert await settled_fds(fds_before + KEEP_ALIVE_BOUND) <= fds_before + KEEP_ALIVE_BOUND
