"""Answers a hostile or broken server gives, for ``Fault(answer=...)``.

Each name in ``HOSTILE_ANSWERS`` is a way an answer can be unusable or dangerous; the
emulator sends it instead of the real answer (after logging the request and checking the
key). ``Fault.answer_bytes`` sizes the big ones.

Example::

    emulator.add_fault(answer="html_page")                         # a login page, HTTP 200
    emulator.add_fault(answer="reversed", path="/v1/embeddings")   # right indexes, wrong order
    emulator.add_fault(answer="nan_element", path="/v1/embeddings")  # vector 1 holds a NaN
    emulator.add_fault(answer="gzip_bomb", answer_bytes=8_000_000)
    emulator.add_fault(answer="echo_key_401_json_unicode")        # the key as \\u0041...
    emulator.add_fault(answer="echo_key_header", path=None)        # fine answer, key in headers
    emulator.add_fault(answer="echo_key_sse_error")               # key in a 200 error event
    emulator.add_fault(answer="stacked_gzip_bomb", answer_bytes=50_000_000)  # gzip, gzip
    emulator.add_fault(answer="listing_data_not_a_list", path="/v1/models")
    emulator.add_fault(answer="drip_batch", path="/v1/batches")  # a running batch, dripped
    emulator.add_fault(answer="drip_file", path="/v1/files")      # a file's content, dripped
    emulator.add_fault(answer="huge_integer", path=None)           # 5,000 digits in usage

Encoded answers (``Content-Encoding``) are compressed in pieces, so even a bomb of
gigabytes costs the emulator little memory. ``zstd`` needs the ``zstandard`` package (it
comes with langsmith); ``br`` is compressed only where ``brotli`` is installed, otherwise
the body is sent as it is under a ``br`` label (a client without brotli refuses it from
the header alone).

Field by field changes of the model list are drift, not faults: ``Settings.listing_changes``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import time
import urllib.parse
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse

from kluster_integrations.core.transport import optional_module
from kluster_integrations.emulator import _replies as replies
from kluster_integrations.emulator._sse import chunk_event

_PAGE = "<!doctype html><html><body><h1>Please sign in</h1><form>...</form></body></html>"
#: Seconds between the pieces of dripped, keep-alive and similar slow answers.
SLOW_INTERVAL = 0.2
#: How long a slow answer goes on at most, so a test that fails cannot hang the emulator.
SLOW_FOR_AT_MOST = 30.0
#: Seconds between the bytes of an answer sent one byte per network write.
BYTE_INTERVAL = 0.001


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


#: The file ``drip_file`` sends (``GET /v1/files/{id}/content``), byte by byte: ~2 s.
DRIPPED_FILE = b'{"id": 1}\n'
#: A batch still running (``GET /v1/batches/{id}``), as ``drip_batch`` sends it.
_RUNNING_BATCH = {
    "id": "batch_hostile",
    "object": "batch",
    "endpoint": "/v1/chat/completions",
    "completion_window": "24h",
    "input_file_id": "file_hostile",
    "created_at": 1,
    "status": "in_progress",
    "request_counts": {"total": 1, "completed": 0, "failed": 0},
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


async def _keep_alive(comment: bytes = b": keep-alive\n\n") -> AsyncIterator[bytes]:
    yield _chunk({"role": "assistant", "content": "Hel"}).encode()
    started = time.monotonic()
    while time.monotonic() - started < SLOW_FOR_AT_MOST:
        await asyncio.sleep(SLOW_INTERVAL)
        yield comment


async def _byte_by_byte(data: bytes) -> AsyncIterator[bytes]:
    for i in range(len(data)):
        yield data[i : i + 1]
        await asyncio.sleep(BYTE_INTERVAL)


def _reply_stream(text: str) -> bytes:
    """A whole, valid event stream answering ``text``, a word per event."""
    words = [f"{word} " for word in text.split()]
    deltas = [{"role": "assistant", "content": ""}] + [{"content": word} for word in words]
    events = [_chunk(delta) for delta in deltas] + [_chunk({}, "stop"), "data: [DONE]\n\n"]
    return "".join(events).encode()


#: The zlib window bits of each zlib-based coding.
_ZLIB_WBITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
    "raw-deflate": -zlib.MAX_WBITS,
}


def _compressed(pieces: Iterable[bytes], coding: str) -> Iterator[bytes]:
    """``pieces`` compressed with ``coding`` (``raw-deflate``: deflate without the zlib
    header, which clients also accept as ``deflate``), piece by piece."""
    if coding == "br":  # only small replies: compressed whole
        brotli = optional_module("brotli") or optional_module("brotlicffi")
        yield brotli.compress(b"".join(pieces)) if brotli else b"".join(pieces)
        return
    compressor: Any = (
        optional_module("zstandard").ZstdCompressor().compressobj()
        if coding == "zstd"
        else zlib.compressobj(9, zlib.DEFLATED, _ZLIB_WBITS[coding])
    )
    for piece in pieces:
        yield compressor.compress(piece)
    yield compressor.flush()


def encoded_body(pieces: Iterable[bytes], codings: tuple[str, ...]) -> bytes:
    """The bytes of ``pieces`` encoded with each of ``codings`` in turn (``gzip``,
    ``deflate``, ``raw-deflate``, ``zstd``, ``br``), e.g. ``encoded_body([b"{}"], ("gzip",))``."""
    for coding in codings:
        pieces = _compressed(pieces, coding)
    return b"".join(pieces)


@lru_cache(maxsize=8)
def bomb_body(start: bytes, size: int, end: bytes, codings: tuple[str, ...]) -> bytes:
    """``start``, spaces and ``end`` (``size`` bytes in all), encoded with ``codings``."""
    megabytes, rest = divmod(max(size - len(start) - len(end), 0), 1 << 20)
    pieces = [start, *[b" " * (1 << 20)] * megabytes, b" " * rest, end]
    return encoded_body(pieces, codings)


def _encoded(body: bytes, media_type: str, content_encodings: tuple[str, ...]) -> Response:
    """``body`` sent with one ``Content-Encoding`` header per entry of ``content_encodings``."""
    response = Response(body, media_type=media_type)
    response.raw_headers.extend(
        (b"content-encoding", value.encode()) for value in content_encodings
    )
    return response


def _bomb(
    codings: tuple[str, ...], *headers: str, stream: bool = False
) -> Callable[[Any, str, int], Response]:
    """A body of ``size`` decoded bytes (a JSON object of spaces, or for ``stream`` one
    event-stream line) encoded with ``codings`` and labelled with ``headers``."""
    if stream:
        return lambda body, key, size: _encoded(
            bomb_body(b"data: ", size, b"", codings), "text/event-stream", headers
        )
    return lambda body, key, size: _encoded(
        bomb_body(b"{", size, b"}", codings), "application/json", headers
    )


def _encoded_reply(codings: tuple[str, ...], *headers: str) -> Callable[[Any, str, int], Response]:
    """The usual reply ("Hello." or, streamed, its event stream) encoded with ``codings``
    and labelled with ``headers``."""

    def answer(body: Any, key: str, size: int) -> Response:
        if isinstance(body, dict) and body.get("stream"):
            return _encoded(
                encoded_body([_reply_stream("Hello.")], codings), "text/event-stream", headers
            )
        plain = json.dumps(_completion(body)).encode()
        return _encoded(encoded_body([plain], codings), "application/json", headers)

    return answer


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


def _json_unicode(key: str) -> str:
    """Every other character as a ``\\uXXXX`` escape (hex in lower then upper case), the rest
    as JSON writes them but ``/`` as ``\\/``."""

    def escaped(i: int, c: str) -> str:
        if i % 2:
            return f"\\u{ord(c):04x}" if i % 4 == 1 else f"\\u{ord(c):04X}"
        return "\\/" if c == "/" else json.dumps(c)[1:-1]

    return "".join(escaped(i, c) for i, c in enumerate(key))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


#: The ways a server may echo the key, by name; ``echo_key_401_<name>`` sends one of them in
#: a 401 error body and an ``X-Echoed-Key`` header.
KEY_ECHOES: dict[str, Callable[[str], str]] = {
    "json_slash": lambda key: json.dumps(key)[1:-1].replace("/", "\\/"),
    "json_unicode": _json_unicode,
    "url": lambda key: urllib.parse.quote(key, safe=""),
    "url_every_char": lambda key: "".join(f"%{b:02x}" for b in key.encode()),
    "basic_user": lambda key: _b64(f"apikey:{key}"),
    "basic_no_user": lambda key: _b64(f":{key}"),
    "base64": _b64,
}


def _echo_key_401(echo: Callable[[str], str]) -> Callable[[Any, str, int], Response]:
    def answer(body: Any, key: str, size: int) -> Response:
        error = {"message": "Invalid API key: ECHO", "type": "authentication_error"}
        text = json.dumps({"error": error}).replace("ECHO", echo(key))  # escapes kept as sent
        return Response(
            text, 401, headers={"X-Echoed-Key": echo(key)}, media_type="application/json"
        )

    return answer


def _echo_key_sse_error(body: Any, key: str, size: int) -> Response:
    """A 200 event stream that starts a reply, then sends an error event quoting the key
    raw and in every ``KEY_ECHOES`` form (the SDK raises ``APIError`` with that text)."""
    error = {"message": "Invalid API key: ECHO", "type": "authentication_error"}
    echoes = " ".join([json.dumps(key)[1:-1], *(echo(key) for echo in KEY_ECHOES.values())])
    event = json.dumps({"error": error}).replace("ECHO", echoes)  # escapes kept as sent
    return _events(_chunk({"role": "assistant", "content": "Hello"}), f"data: {event}\n\n")


def _echo_key_header(body: Any, key: str, size: int) -> Response:
    """A good answer (chat, stream or embeddings) with the key echoed in headers, raw and in
    every ``KEY_ECHOES`` form."""
    headers = {"X-Echoed-Key": key} | {
        f"X-Echoed-Key-{name}": echo(key) for name, echo in KEY_ECHOES.items()
    }
    answer: Response
    if isinstance(body, dict) and "input" in body:
        answer = _embeddings(_embedding_data(body), body)
    elif isinstance(body, dict) and body.get("stream"):
        answer = _events(
            _chunk({"role": "assistant", "content": "Hello."}),
            _chunk({}, "stop"),
            "data: [DONE]\n\n",
        )
    else:
        answer = JSONResponse(_completion(body))
    answer.headers.update(headers)
    return answer


#: Digits of the integer ``huge_integer`` sends: more than the 4,300 that Python reads into
#: an int from text by default (``sys.get_int_max_str_digits``), so ``json.loads`` fails.
HUGE_INTEGER_DIGITS = 5_000


def _huge_integer(body: Any, key: str, size: int) -> Response:
    """The usual answer (a completion, or embeddings for an embeddings request) whose
    ``usage.prompt_tokens`` is an integer of ``HUGE_INTEGER_DIGITS`` digits."""
    if isinstance(body, dict) and "input" in body:
        answer: dict[str, Any] = {
            "object": "list",
            "data": _embedding_data(body),
            "model": body.get("model"),
            "usage": {"total_tokens": 1},
        }
    else:
        answer = _completion(body)
    answer["usage"]["prompt_tokens"] = "(huge)"
    text = json.dumps(answer).replace('"(huge)"', "9" * HUGE_INTEGER_DIGITS)
    return Response(text, media_type="application/json")


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
    "huge_integer": _huge_integer,
    "echo_key_200": lambda body, key, size: JSONResponse(
        {"message": f"Key {key} may not use this gateway."}
    ),
    "echo_key_401": lambda body, key, size: JSONResponse(
        {"error": {"message": f"Invalid API key: {key}", "type": "authentication_error"}},
        status_code=401,
    ),
    **{f"echo_key_401_{name}": _echo_key_401(echo) for name, echo in KEY_ECHOES.items()},
    "echo_key_header": _echo_key_header,
    "echo_key_sse_error": _echo_key_sse_error,
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
    "keepalive_mentioning_data": lambda body, key, size: _slow(
        lambda: _keep_alive(b": no data: here\n\n"), "text/event-stream"
    ),
    "byte_by_byte_stream": lambda body, key, size: _slow(
        lambda: _byte_by_byte(_reply_stream("one two three four five six")), "text/event-stream"
    ),
    # slow and big answers
    "drip": lambda body, key, size: _slow(
        lambda: _drip(json.dumps(_completion(body)).encode()), "application/json"
    ),
    "drip_stream": lambda body, key, size: _slow(
        lambda: _drip(_chunk({"role": "assistant", "content": "Hello " * 50}).encode()),
        "text/event-stream",
    ),
    "drip_batch": lambda body, key, size: _slow(
        lambda: _drip(json.dumps(_RUNNING_BATCH).encode()), "application/json"
    ),
    "drip_file": lambda body, key, size: _slow(
        lambda: _drip(DRIPPED_FILE), "application/octet-stream"
    ),
    "oversized": lambda body, key, size: JSONResponse(_completion(body, "x" * size)),
    "oversized_line": lambda body, key, size: _events(
        _chunk({"role": "assistant", "content": "x" * size})
    ),
    "gzip_bomb": _bomb(("gzip",), "gzip"),
    # encoding chains: bombs (``size`` decoded bytes) and the usual reply, encoded
    "stacked_gzip_bomb": _bomb(("gzip", "gzip"), "gzip, gzip"),
    "stacked_gzip_stream_bomb": _bomb(("gzip", "gzip"), "gzip, gzip", stream=True),
    "gzip_identity_bomb": _bomb(("gzip",), "gzip", "identity"),
    "gzip_identity_stream_bomb": _bomb(("gzip",), "gzip", "identity", stream=True),
    "zstd_bomb": _bomb(("zstd",), "zstd"),
    "zstd_stream_bomb": _bomb(("zstd",), "zstd", stream=True),
    "raw_deflate_reply": _encoded_reply(("raw-deflate",), "deflate"),
    "stacked_gzip_reply": _encoded_reply(("gzip", "gzip"), "gzip, gzip"),
    "gzip_identity_reply": _encoded_reply(("gzip",), "gzip", "identity"),
    "deflate_gzip_reply": _encoded_reply(("deflate", "gzip"), "deflate", "gzip"),
    "zstd_reply": _encoded_reply(("zstd",), "zstd"),
    "br_reply": _encoded_reply(("br",), "br"),
    "compress_reply": _encoded_reply((), "compress"),
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
