"""A worker that calls ``asyncio.run`` per job (Celery, a CLI, a sync wrapper) keeps open
files and live event loops flat, in all four classes: each loop's pooled connections are
closed when ``asyncio.run`` shuts that loop down, and closed loops are not held.

Open descriptors are read from /proc/self/fd (the emulator runs in this process, so both
ends of a connection count); live loops from the garbage collector.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable

import pytest
from llama_index.core.llms import ChatMessage

from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM

#: 100 runs expose a leak of one descriptor (or one loop) per run as surely as 1,000: the
#: slack below is far under 100. ``LOOP_RUNS=1000`` runs the long version.
RUNS = int(os.environ.get("LOOP_RUNS", "100"))
#: Descriptors the process may open for other reasons while the runs go on (log files,
#: the emulator's listening socket backlog); far below one per run.
SLACK = 12

pytestmark = [
    pytest.mark.skipif(
        not sys.platform.startswith("linux"),
        reason="counts open file descriptors through /proc/self/fd",
    ),
    pytest.mark.timeout(300),
]

HI = [ChatMessage(role="user", content="hi")]


def chat_kluster() -> Callable[[], Awaitable[object]]:
    llm = ChatKluster(max_retries=0)
    return lambda: llm.ainvoke("hi")


def kluster_llm() -> Callable[[], Awaitable[object]]:
    llm = KlusterLLM(max_retries=0)
    return lambda: llm.achat(HI)


def kluster_embeddings() -> Callable[[], Awaitable[object]]:
    embeddings = KlusterEmbeddings(max_retries=0)
    return lambda: embeddings.aembed_query("hi")


def kluster_embedding() -> Callable[[], Awaitable[object]]:
    embedding = KlusterEmbedding(max_retries=0)
    return lambda: embedding.aget_text_embedding("hi")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def live_loops() -> int:
    gc.collect()
    return sum(isinstance(o, asyncio.AbstractEventLoop) for o in gc.get_objects())


def settled_fds(at_most: int) -> int:
    """The count once it is at most ``at_most`` or after 5 s (the emulator closes its end
    of a connection a moment after the client)."""
    import time

    count = open_fds()
    for _ in range(50):
        if count <= at_most:
            break
        time.sleep(0.1)
        gc.collect()
        count = open_fds()
    return count


@pytest.mark.parametrize(
    "factory", [chat_kluster, kluster_llm, kluster_embeddings, kluster_embedding]
)
def test_asyncio_run_per_call_keeps_files_and_loops_flat(kluster_env, factory):
    call = factory()
    asyncio.run(call())  # warm up: imports, lazily built clients
    gc.collect()
    fds_before, loops_before = open_fds(), live_loops()
    for _ in range(RUNS):
        asyncio.run(call())
    gc.collect()
    assert settled_fds(fds_before + SLACK) <= fds_before + SLACK
    assert live_loops() <= loops_before + 1
    assert len(kluster_env.requests) == RUNS + 1


LOW_LIMIT_SCRIPT = textwrap.dedent("""
    import asyncio, resource, sys
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    from kluster_integrations.emulator import KlusterEmulator
    from kluster_integrations.langchain import ChatKluster, KlusterEmbeddings
    from kluster_integrations.llama_index import KlusterEmbedding, KlusterLLM
    from llama_index.core.llms import ChatMessage

    with KlusterEmulator() as emulator:
        common = dict(api_key="emulator-key", max_retries=0)
        calls = [
            ChatKluster(base_url=emulator.base_url, **common).ainvoke,
            lambda _: KLLM.achat([ChatMessage(role="user", content="hi")]),
            KlusterEmbeddings(base_url=emulator.base_url, **common).aembed_query,
            KlusterEmbedding(api_base=emulator.base_url, **common).aget_text_embedding,
        ]
        KLLM = KlusterLLM(api_base=emulator.base_url, **common)
        for call in calls:
            for _ in range(80):
                asyncio.run(call("hi"))
    print("ok")
""")


def test_asyncio_run_per_call_under_a_low_file_limit():
    """80 runs per class with at most 64 open files: a leak of one socket per run
    fails with "Too many open files" before the end."""
    result = subprocess.run(
        [sys.executable, "-c", LOW_LIMIT_SCRIPT],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
