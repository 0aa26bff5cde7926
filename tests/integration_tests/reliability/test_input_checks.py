"""Chat requests that cannot be sent, or that kluster.ai refuses, fail before sending with
``InvalidRequestError`` naming the place: lone surrogates, unknown content part types, more
than four ``stop`` strings. Both frameworks, checked on the wire (nothing sent)."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from llama_index.core.llms import ChatMessage

from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM

FIVE_STOPS = ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize(
    "send",
    [
        lambda: ChatKluster().invoke([SystemMessage("ok"), HumanMessage("a\ud800b")]),
        lambda: asyncio.run(ChatKluster().ainvoke([SystemMessage("ok"), HumanMessage("a\ud800b")])),
        lambda: KlusterLLM().chat(
            [ChatMessage(role="system", content="ok"), ChatMessage(role="user", content="a\ud800b")]
        ),
        lambda: "".join(
            r.delta
            for r in KlusterLLM().stream_chat(
                [
                    ChatMessage(role="system", content="ok"),
                    ChatMessage(role="user", content="a\ud800b"),
                ]
            )
        ),
    ],
    ids=["langchain-invoke", "langchain-ainvoke", "llama_index-chat", "llama_index-stream_chat"],
)
def test_lone_surrogate_is_named(send, kluster_env: KlusterEmulator) -> None:
    with pytest.raises(InvalidRequestError, match=r"messages\[1\].*lone surrogate"):
        send()
    assert kluster_env.requests == []


@pytest.mark.parametrize(
    "part",
    [
        {"type": "hologram", "hologram": "x"},
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
    ],
    ids=["hologram", "input_audio"],
)
def test_unknown_content_part_type_is_refused(part, kluster_env: KlusterEmulator) -> None:
    message = HumanMessage(content=[{"type": "text", "text": "hi"}, part])
    with pytest.raises(InvalidRequestError, match=r"messages\[0\]\.content\[1\]\.type"):
        ChatKluster().invoke([message])
    assert kluster_env.requests == []


def test_known_content_parts_still_go(kluster_env: KlusterEmulator) -> None:
    ChatKluster().invoke([HumanMessage(content=[{"type": "text", "text": "hi"}])])
    assert kluster_env.chat_requests()[0]["messages"][0]["content"][0]["type"] == "text"


@pytest.mark.parametrize(
    "send",
    [
        lambda stop: ChatKluster().invoke("hi", stop=stop),
        lambda stop: KlusterLLM().chat([ChatMessage(role="user", content="hi")], stop=stop),
    ],
    ids=["langchain", "llama_index"],
)
def test_at_most_four_stop_strings(send, kluster_env: KlusterEmulator) -> None:
    with pytest.raises(InvalidRequestError, match="at most 4"):
        send(FIVE_STOPS)
    assert kluster_env.requests == []
    send(FIVE_STOPS[:4])
    assert kluster_env.chat_requests()[0]["stop"] == FIVE_STOPS[:4]
