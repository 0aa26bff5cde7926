"""Every way a user sends a chat request, through both adapters, as one table.

``CHAT_CALLS`` holds a ``ChatCall`` per path: LangChain ``invoke``, ``ainvoke``, ``stream``,
``astream`` and LlamaIndex ``chat``, ``achat``, ``stream_chat``, ``astream_chat``. A call
builds its adapter from the environment (the ``kluster_env`` fixture points it at the
emulator) with the options given, sends ``PROMPT`` and returns the reply text.

Example::

    @pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
    def test_reply(call: ChatCall, kluster_env: KlusterEmulator) -> None:
        assert call.run(max_retries=0)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from llama_index.core.llms import ChatMessage

from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM

PROMPT = "Tell me about kluster.ai batch jobs."
LLAMA_INDEX_PROMPT = [ChatMessage(role="user", content=PROMPT)]


async def _joined(chunks: AsyncIterator[Any], text: Callable[[Any], str]) -> str:
    return "".join([text(chunk) async for chunk in chunks])


async def _llama_index_astream(llm: KlusterLLM) -> str:
    return await _joined(await llm.astream_chat(LLAMA_INDEX_PROMPT), lambda r: r.delta or "")


def _chunk_text(chunk: Any) -> str:
    return chunk.text


@dataclass(frozen=True)
class ChatCall:
    """One request path: ``framework`` (``langchain`` / ``llama_index``) and ``method``."""

    framework: str
    method: str
    send: Callable[[Any], str]
    streams: bool = False

    def model(self, **options: Any) -> Any:
        """A fresh ``ChatKluster`` or ``KlusterLLM`` with ``options``."""
        return ChatKluster(**options) if self.framework == "langchain" else KlusterLLM(**options)

    def run(self, **options: Any) -> str:
        """Build the adapter with ``options`` and send ``PROMPT`` along this path."""
        return self.send(self.model(**options))

    def __str__(self) -> str:
        return f"{self.framework}-{self.method}"


CHAT_CALLS = [
    ChatCall("langchain", "invoke", lambda llm: llm.invoke(PROMPT).text),
    ChatCall("langchain", "ainvoke", lambda llm: asyncio.run(llm.ainvoke(PROMPT)).text),
    ChatCall(
        "langchain", "stream", lambda llm: "".join(c.text for c in llm.stream(PROMPT)), streams=True
    ),
    ChatCall(
        "langchain",
        "astream",
        lambda llm: asyncio.run(_joined(llm.astream(PROMPT), _chunk_text)),
        streams=True,
    ),
    ChatCall("llama_index", "chat", lambda llm: llm.chat(LLAMA_INDEX_PROMPT).message.content),
    ChatCall(
        "llama_index",
        "achat",
        lambda llm: asyncio.run(llm.achat(LLAMA_INDEX_PROMPT)).message.content,
    ),
    ChatCall(
        "llama_index",
        "stream_chat",
        lambda llm: "".join(r.delta or "" for r in llm.stream_chat(LLAMA_INDEX_PROMPT)),
        streams=True,
    ),
    ChatCall(
        "llama_index",
        "astream_chat",
        lambda llm: asyncio.run(_llama_index_astream(llm)),
        streams=True,
    ),
]
STREAMING_CALLS = [call for call in CHAT_CALLS if call.streams]
