"""Compressed answers, whatever their ``Content-Encoding`` chain, are decoded by the guards
within ``max_response_bytes``: stacked values (``gzip, gzip``), repeated headers (``gzip``
then ``identity``), ``zstd``. Bombs stop at the cap with little memory; the usual reply
decodes on all eight chat paths (also raw deflate, as the stock client decodes it); an
encoding the client cannot decode is refused, naming it.

The emulator sends these answers (``Fault(answer=...)``, see ``emulator.hostile``).
"""

from __future__ import annotations

import importlib.util
import tracemalloc
from collections.abc import Callable

import pytest

from kluster_integrations.core.errors import (
    ResponseTooLargeError,
    UnsupportedContentEncodingError,
)
from kluster_integrations.emulator._hostile import hostile_answer
from kluster_integrations.emulator._server import KlusterEmulator
from tests.integration_tests.reliability.adapters import CHAT_CALLS, ChatCall

CAP = 100_000
#: Decoded size of the bombs: 500 times the cap, a few hundred bytes to 50 KB on the wire.
BOMB_BYTES = 50_000_000
#: Peak memory traced while a bomb is read; httpx decoding it alone would take BOMB_BYTES.
PEAK_LIMIT = 20_000_000
HAS_ZSTANDARD = importlib.util.find_spec("zstandard") is not None
HAS_BROTLI = any(importlib.util.find_spec(name) for name in ("brotli", "brotlicffi"))
needs_zstandard = pytest.mark.skipif(
    not HAS_ZSTANDARD,
    reason="zstandard (installed with langsmith) makes and decodes zstd; without it the "
    "client refuses zstd (tests/unit_tests/core/test_guards.py)",
)
BOMBS = [
    "stacked_gzip_bomb",
    "gzip_identity_bomb",
    pytest.param("zstd_bomb", marks=needs_zstandard),
]
REPLIES = [
    "raw_deflate_reply",
    "stacked_gzip_reply",
    "gzip_identity_reply",
    "deflate_gzip_reply",
    pytest.param("zstd_reply", marks=needs_zstandard),
]
SYNC_CALLS = [CHAT_CALLS[0], CHAT_CALLS[6]]  # LangChain invoke, LlamaIndex stream_chat


def raised_by(send: Callable[[], object]) -> Exception | None:
    """What ``send`` raised (memory is checked first, then the error)."""
    try:
        send()
    except Exception as error:
        return error
    return None


def bomb_for(call: ChatCall, bomb: str) -> str:
    """The bomb as a JSON body, or as one long event-stream line for a streaming call."""
    return bomb.replace("_bomb", "_stream_bomb") if call.streams else bomb


@pytest.mark.parametrize("bomb", BOMBS)
@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_bomb_stops_at_the_cap_whatever_the_chain(
    call: ChatCall, bomb: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer=bomb_for(call, bomb), answer_bytes=BOMB_BYTES)
    with pytest.raises(ResponseTooLargeError, match="line" if call.streams else "body"):
        call.run(max_response_bytes=CAP, max_retries=0)


@pytest.mark.parametrize("bomb", BOMBS)
@pytest.mark.parametrize("call", SYNC_CALLS, ids=str)
def test_bomb_is_read_in_bounded_memory(
    call: ChatCall, bomb: str, kluster_env: KlusterEmulator
) -> None:
    """Peak memory traced while the bomb is read stays far below its decoded size."""
    model = call.model(max_response_bytes=CAP, max_retries=0)
    kluster_env.queue_replies("warm up")
    call.send(model)  # imports and pools are ready before memory is traced
    hostile_answer(bomb_for(call, bomb), {}, "", BOMB_BYTES)  # the emulator's copy is built
    kluster_env.add_fault(answer=bomb_for(call, bomb), answer_bytes=BOMB_BYTES)
    tracemalloc.start()
    try:
        error = raised_by(lambda: call.send(model))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_LIMIT
    assert isinstance(error, ResponseTooLargeError)


@pytest.mark.parametrize("answer", REPLIES)
@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_encoded_reply_is_decoded(
    call: ChatCall, answer: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer=answer)
    assert call.run(max_retries=0).strip() == "Hello."
    assert len(kluster_env.chat_requests()) == 1


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_unknown_encoding_is_refused_by_name(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(answer="compress_reply")
    with pytest.raises(UnsupportedContentEncodingError, match="'compress'") as caught:
        call.run(max_retries=2)
    assert caught.value.encoding == "compress"
    assert len(kluster_env.chat_requests()) == 1  # not retried


@pytest.mark.skipif(HAS_BROTLI, reason="brotli is installed: br is decoded (test_guards)")
@pytest.mark.parametrize("call", SYNC_CALLS, ids=str)
def test_brotli_without_its_package_is_refused(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer="br_reply")
    with pytest.raises(UnsupportedContentEncodingError, match="brotli"):
        call.run(max_retries=0)


@pytest.mark.parametrize("call", SYNC_CALLS, ids=str)
def test_the_client_asks_only_for_gzip_and_deflate(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    """Not zstd or br, although the stock client asks for zstd where zstandard is installed."""
    kluster_env.queue_replies("Hi.")
    call.run(max_retries=0)
    assert kluster_env.state.requests[-1].headers["accept-encoding"] == "gzip, deflate"
