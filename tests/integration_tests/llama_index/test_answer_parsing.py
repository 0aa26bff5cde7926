"""KlusterLLM reads each answer into the same response OpenAILike makes of it.

KlusterLLM has the openai SDK build answers with pydantic's validator (``core/answer/_parsing.py``)
rather than its loose constructor. Both classes get the same emulator answers; their
``ChatResponse`` objects, including the raw SDK object, are compared with the completion id
and creation time left out (they differ per request).
"""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.core.llms import ChatMessage, ChatResponse
from llama_index.llms.openai_like import OpenAILike
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM

MESSAGES = [ChatMessage(role="user", content="Say hello.")]


def stock(emulator: KlusterEmulator) -> OpenAILike:
    return OpenAILike(
        model=DEFAULT_CHAT_MODEL,
        api_base=emulator.base_url,
        api_key="k",
        is_chat_model=True,
        max_retries=0,
    )


def fields(response: ChatResponse) -> dict[str, Any]:
    raw = response.raw.model_dump() if hasattr(response.raw, "model_dump") else response.raw
    return {
        "message": response.message.model_dump(),
        "delta": response.delta,
        "raw": {k: v for k, v in raw.items() if k not in ("id", "created")},
        "raw type": type(response.raw),
    }


def test_chat_reads_answers_as_openai_like_does(kluster_env: KlusterEmulator) -> None:
    expected = fields(stock(kluster_env).chat(MESSAGES))
    ours = KlusterLLM(max_retries=0, reasoning="inline")
    assert fields(ours.chat(MESSAGES)) == expected
    assert fields(asyncio.run(ours.achat(MESSAGES))) == expected
    assert expected["raw type"] is ChatCompletion


def test_stream_chat_reads_chunks_as_openai_like_does(kluster_env: KlusterEmulator) -> None:
    expected = [fields(r) for r in stock(kluster_env).stream_chat(MESSAGES)]
    got = [fields(r) for r in KlusterLLM(max_retries=0).stream_chat(MESSAGES)]
    assert got == expected and len(got) > 2
    assert expected[0]["raw type"] is ChatCompletionChunk
