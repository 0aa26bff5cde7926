"""Answers a hostile or broken server gives, for ``Fault(answer=...)``.

Each name in ``HOSTILE_ANSWERS`` is a way an answer can be unusable or dangerous; the
emulator sends it instead of the real answer (after logging the request and checking the
key). ``Fault.answer_bytes`` sizes the big ones.

Example::

    emulator.add_fault(answer="html_page")                         # a login page, HTTP 200
    emulator.add_fault(answer="reversed", path="/v1/embeddings")   # right indexes, wrong order
    emulator.add_fault(answer="nan_element", path="/v1/embeddings")  # vector 1 holds a NaN
    emulator.add_fault(answer="gzip_bomb", answer_bytes=8_000_000)
    emulator.add_fault(answer="listing_data_not_a_list", path="/v1/models")

Field by field changes of the model list are drift, not faults: ``Settings.listing_changes``.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import struct
import time
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse

from kluster_integrations.emulator import replies
from kluster_integrations.emulator.sse import chunk_event

_PAGE = "<!doctype html><html><body><h1>Please sign in</h1><form>...</form></body></html>"
#: Seconds between the pieces of dripped, keep-alive and similar slow answers.
SLOW_INTERVAL = 0.2
#: How long a slow answer goes on at most, so a test that fails cannot hang the emulator.
SLOW_FOR_AT_MOST = 30.0


def _completion(body: Any, text: str = "Hello.") -> dict[str, Any]:
    return {
        "id": "chatcmpl-hostile",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "m") if isinstance(body, dict) else "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    return chunk_event("chatcmpl-hostile", "m", delta, finish)


def _events(*events: str) -> StreamingResponse:
    async def send() -> AsyncIterator[str]:
        for event in events:
            yield event

    return StreamingResponse(send(), media_type="text/event-stream")


def _slow(pieces: Callable[[], AsyncIterator[bytes]], media_type: str) -> StreamingResponse:
    return StreamingResponse(pieces(), media_type=media_type)


async def _drip(data: bytes) -> AsyncIterator[bytes]:
    started = time.monotonic()
    for i in range(len(data)):
        if time.monotonic() - started > SLOW_FOR_AT_MOST:
            return
        yield data[i : i + 1]
        await asyncio.sleep(SLOW_INTERVAL)


async def _keep_alive() -> AsyncIterator[bytes]:
    yield _chunk({"role": "assistant", "content": "Hel"}).encode()
    started = time.monotonic()
    while time.monotonic() - started < SLOW_FOR_AT_MOST:
        await asyncio.sleep(SLOW_INTERVAL)
        yield b": keep-alive\n\n"


@lru_cache(maxsize=4)
def _gzip_bomb(size: int) -> bytes:
    filler = b" " * (size - 2)
    return gzip.compress(b"{" + filler + b"}", compresslevel=9)


def _embedding_data(body: Any, dimensions: int | None = None) -> list[dict[str, Any]]:
    inputs = body.get("input", []) if isinstance(body, dict) else []
    inputs = inputs if isinstance(inputs, list) else [inputs]
    as_base64 = isinstance(body, dict) and body.get("encoding_format") == "base64"
    data = []
    for i, text in enumerate(inputs):
        vector = replies.embed_text(str(text))[:dimensions]
        encoded: Any = _base64(_float32(vector)) if as_base64 else vector
        data.append({"object": "embedding", "index": i, "embedding": encoded})
    return data


def _embeddings(data: list[dict[str, Any]], body: Any) -> Response:
    answer = {
        "object": "list",
        "data": data,
        "model": body.get("model"),
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }
    # json.dumps writes NaN and Infinity (as Python's json reads them); JSONResponse refuses.
    return Response(json.dumps(answer), media_type="application/json")


#: Which vector ``_broken_vector`` breaks (the last one when there are fewer), and which
#: number in it ``_with_element`` replaces.
BROKEN_VECTOR_INDEX = 1
BROKEN_ELEMENT = 7


def _broken_vector(body: Any, vector: Callable[[list[float]], Any]) -> Response:
    """Embeddings (in the encoding asked for) whose vector ``BROKEN_VECTOR_INDEX`` is
    replaced by ``vector(the good floats)``."""
    data = _embedding_data(body)
    broken = data[min(BROKEN_VECTOR_INDEX, len(data) - 1)]
    broken["embedding"] = vector(replies.embed_text("broken"))
    return _embeddings(data, body)


def _with_element(value: Any) -> Callable[[list[float]], list[Any]]:
    """The good floats with ``value`` at ``BROKEN_ELEMENT``."""
    return lambda good: [*good[:BROKEN_ELEMENT], value, *good[BROKEN_ELEMENT + 1 :]]


def _float32(values: list[float]) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def _base64(packed: bytes) -> str:
    return base64.b64encode(packed).decode()


#: Entries of ``listing_entries_not_objects`` that describe no model; the last one does.
_NOT_MODELS = [1, "google/gemma-3-27b-it", None, ["id"], {"object": "model"}, {"id": ""}]
LISTED_NEW_MODEL = "brand/listed-model"


def hostile_answer(name: str, body: Any, key: str, size: int = 0) -> Response:
    """The answer called ``name`` (see ``HOSTILE_ANSWERS``) to a request with ``body``."""
    return HOSTILE_ANSWERS[name](body, key, size)


HOSTILE_ANSWERS: dict[str, Callable[[Any, str, int], Response]] = {
    # whole answers that are not a chat completion
    "html_page": lambda body, key, size: Response(_PAGE, media_type="text/html"),
    "text_page": lambda body, key, size: Response("Please sign in.", media_type="text/plain"),
    "json_list": lambda body, key, size: JSONResponse([1, 2, 3]),
    "json_null": lambda body, key, size: Response("null", media_type="application/json"),
    "no_choices": lambda body, key, size: JSONResponse(
        {k: v for k, v in _completion(body).items() if k != "choices"}
    ),
    "empty_choices": lambda body, key, size: JSONResponse({**_completion(body), "choices": []}),
    "echo_key_200": lambda body, key, size: JSONResponse(
        {"message": f"Key {key} may not use this gateway."}
    ),
    "echo_key_401": lambda body, key, size: JSONResponse(
        {"error": {"message": f"Invalid API key: {key}", "type": "authentication_error"}},
        status_code=401,
    ),
    # streams that are not a usable event stream
    "bad_sse_json": lambda body, key, size: _events(
        _chunk({"role": "assistant", "content": "Hello"}), 'data: {"choices": [{\n\n'
    ),
    "spaced_done": lambda body, key, size: _events(
        _chunk({"role": "assistant", "content": "Hello."}),
        _chunk({}, "stop"),
        "data:    [DONE]\n\n",
    ),
    "chunk_without_choices": lambda body, key, size: _events(
        _chunk({"role": "assistant", "content": "Hello"}),
        'data: {"id": "chatcmpl-hostile", "object": "chat.completion.chunk"}\n\n',
        _chunk({}, "stop"),
        "data: [DONE]\n\n",
    ),
    "keepalive_only": lambda body, key, size: _slow(_keep_alive, "text/event-stream"),
    # slow and big answers
    "drip": lambda body, key, size: _slow(
        lambda: _drip(json.dumps(_completion(body)).encode()), "application/json"
    ),
    "drip_stream": lambda body, key, size: _slow(
        lambda: _drip(_chunk({"role": "assistant", "content": "Hello " * 50}).encode()),
        "text/event-stream",
    ),
    "oversized": lambda body, key, size: JSONResponse(_completion(body, "x" * size)),
    "oversized_line": lambda body, key, size: _events(
        _chunk({"role": "assistant", "content": "x" * size})
    ),
    "gzip_bomb": lambda body, key, size: Response(
        _gzip_bomb(size), media_type="application/json", headers={"Content-Encoding": "gzip"}
    ),
    # embedding lists that do not fit the inputs
    "reversed": lambda body, key, size: _embeddings(_embedding_data(body)[::-1], body),
    "short": lambda body, key, size: _embeddings(_embedding_data(body)[:-1], body),
    "repeated_index": lambda body, key, size: _embeddings(
        [{**entry, "index": 0} for entry in _embedding_data(body)], body
    ),
    "wrong_dimensions": lambda body, key, size: _embeddings(_embedding_data(body, 3), body),
    # a vector that is not numbers (whatever encoding was asked for)
    "null_vector": lambda body, key, size: _broken_vector(body, lambda good: None),
    "vector_not_a_list": lambda body, key, size: _broken_vector(body, lambda good: {"v": good}),
    "none_elements": lambda body, key, size: _broken_vector(body, lambda good: [None] * len(good)),
    "text_elements": lambda body, key, size: _broken_vector(body, lambda good: ["x"] * len(good)),
    "bool_elements": lambda body, key, size: _broken_vector(body, lambda good: [True] * len(good)),
    "nan_element": lambda body, key, size: _broken_vector(body, _with_element(float("nan"))),
    "infinite_element": lambda body, key, size: _broken_vector(body, _with_element(float("inf"))),
    "not_base64": lambda body, key, size: _broken_vector(body, lambda good: "not base64!"),
    "base64_nan": lambda body, key, size: _broken_vector(
        body, lambda good: _base64(_float32(_with_element(float("nan"))(good)))
    ),
    "base64_cut": lambda body, key, size: _broken_vector(
        body, lambda good: _base64(_float32(good)[:-1])
    ),
    # model lists (GET /v1/models) that are not a list of model objects
    "listing_data_not_a_list": lambda body, key, size: JSONResponse(
        {"object": "list", "data": {"id": "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"}}
    ),
    "listing_entries_not_objects": lambda body, key, size: JSONResponse(
        {"object": "list", "data": [*_NOT_MODELS, {"id": LISTED_NEW_MODEL, "context_length": 8192}]}
    ),
}
