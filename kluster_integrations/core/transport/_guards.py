"""Guards on every answer, as httpx transports: deadline, idle stream, size cap, shape.

``GuardedTransport`` (sync) and ``AsyncGuardedTransport`` wrap the transport that does the
HTTP work and check each answer while it is read, without copying bodies:

- the **deadline**: a non-streamed call (all its attempts; the adapters mark where a call
  starts with ``call_scope``) may take ``deadline`` seconds (default
  ``DEFAULT_DEADLINE``); a stream or a file download (``GET /files/{id}/content``) only
  when ``deadline`` was given. ``deadline_cap`` sets an earlier end for the requests made
  inside it (the batch poller's ``wait(timeout=)``). Each read waits at most the time
  left, so a server that drips one byte at a time cannot stretch a call. Time spent
  waiting for the account's rate limit (``note_queued``) moves the default deadline on,
  not a given one;
- an **idle stream**: each event carrying data must complete (its blank line arrive)
  within ``stream_idle_timeout`` seconds of the one before (of the answer's headers for
  the first), checked as each piece of the body arrives. Comment lines (``: ...``, even
  ``: no data: here``), other fields and the bytes of an event still arriving are no
  progress: keep-alive comments or an event dripped byte by byte stop the stream, while a
  stream read one byte at a time whose events each complete in time goes on
  (``core.transport``);
- the **size cap**: a body, or one line of a stream, may grow to ``max_response_bytes``
  after decompression; a downloaded file (batch output) is not capped here, its download
  caps the file (``core.batch_api``) and its reader each line, per request. The
  transport undoes every ``Content-Encoding`` itself, whatever the chain (stacked values,
  repeated headers, gzip, deflate, zstd, br), in bounded pieces
  (``core.transport``), and hands httpx the decoded body, so a bomb stops at the
  cap; an encoding it cannot decode so raises ``UnsupportedContentEncodingError``;
- an **unusable answer**: a 2xx answer that is neither JSON nor an event stream (a login
  page, a proxy) raises ``MalformedResponseError`` naming the status, content type and
  start of the body; a stream request answered that way says the URL is probably wrong;
- the **API key** is masked in error bodies and headers, in every form a server may echo it
  (``core.transport``), so an exception never quotes it.

The errors raised are ``openai.OpenAIError`` subclasses, which the SDK passes on without
retrying. The adapters get these transports from ``core.transport``.

Example::

    transport = GuardedTransport(httpx.HTTPTransport(), GuardOptions(deadline=30.0))
    client = openai.OpenAI(http_client=openai.DefaultHttpxClient(transport=transport), ...)
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import NamedTuple, cast

import httpx

from kluster_integrations.core.contract import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
)
from kluster_integrations.core.errors import (
    DeadlineExceededError,
    MalformedResponseError,
    ResponseTooLargeError,
    StreamIdleTimeoutError,
    UnsupportedContentEncodingError,
)
from kluster_integrations.core.transport._content_decoding import content_decoder
from kluster_integrations.core.transport._key_masking import (
    mask_header_values,
    mask_key,
    masked_start,
)
from kluster_integrations.core.transport._stream_events import DataEvents

#: The encodings asked for: decoded in bounded pieces with the standard library alone.
ACCEPTED_ENCODINGS = "gzip, deflate"
_EXCERPT_CHARS = 120

#: When the current call (all its attempts) started; set by ``call_scope``.
_call_started: ContextVar[float | None] = ContextVar("kluster_call_started", default=None)
#: Seconds the current call waited for its account's rate limit (``core.rate_limits``),
#: which the default deadline does not count; a list, so each wait adds to the call's own.
_call_queued: ContextVar[list[float] | None] = ContextVar("kluster_call_queued", default=None)
#: The latest moment a request in this context may end (``deadline_cap``), or ``None``.
_deadline_cap: ContextVar[float | None] = ContextVar("kluster_deadline_cap", default=None)
#: The headers of the last request in this context, to mask its key in error excerpts
#: (read only when an error is reported).
_sent_headers: ContextVar[httpx.Headers | None] = ContextVar("kluster_sent_headers", default=None)


def masked_excerpt(text: str, length: int = _EXCERPT_CHARS) -> str:
    """The start of ``text`` with the API key of this context's last request masked, in
    every form a server may echo it (``core.transport``)."""
    return masked_start(text, request_key(), length)


def request_key() -> str | None:
    """The API key of this context's last request, if any."""
    headers = _sent_headers.get()
    return _bearer_key(headers) if headers is not None else None


class call_scope:
    """Mark the start of one call, so its deadline covers all the SDK's attempts (a class
    rather than a ``@contextmanager`` generator: it runs on every call)."""

    __slots__ = ("_queued_token", "_token")

    def __enter__(self) -> None:
        outer = _call_started.get()
        self._token = _call_started.set(outer or time.monotonic())
        self._queued_token = _call_queued.set(_call_queued.get() if outer else [0.0])

    def __exit__(self, *exc_info: object) -> None:
        _call_queued.reset(self._queued_token)
        _call_started.reset(self._token)


def note_queued(seconds: float) -> None:
    """The current call waited ``seconds`` for its rate limit: its default deadline moves
    on by as much (an explicit ``deadline`` counts the wait)."""
    queued = _call_queued.get()
    if queued is not None:
        queued[0] += seconds


def call_end(options: GuardOptions) -> tuple[float, float] | None:
    """When the current call must end by its explicit ``deadline`` or a ``deadline_cap``,
    and that deadline in seconds; ``None`` when only the default deadline applies."""
    deadlines = _deadlines(options)
    if deadlines.explicit_at is None:
        return None
    return deadlines.explicit_at, deadlines.explicit_at - deadlines.started


class deadline_cap:
    """Requests made inside end by ``at`` (a ``time.monotonic()`` reading), whole: headers,
    body and streams, however slowly a server drips them (``DeadlineExceededError``).
    An outer, earlier cap stays in force.

    Example::

        with deadline_cap(time.monotonic() + 5):
            client.batches.retrieve(batch_id)  # DeadlineExceededError after 5 s at most
    """

    __slots__ = ("_at", "_token")

    def __init__(self, at: float) -> None:
        self._at = at

    def __enter__(self) -> None:
        outer = _deadline_cap.get()
        self._token = _deadline_cap.set(self._at if outer is None else min(outer, self._at))

    def __exit__(self, *exc_info: object) -> None:
        _deadline_cap.reset(self._token)


@dataclass(frozen=True)
class GuardOptions:
    """Limits for every answer; ``None`` for ``deadline`` means the non-streamed default
    (``DEFAULT_DEADLINE``) and no deadline for streams."""

    deadline: float | None = None
    stream_idle_timeout: float = DEFAULT_TIMEOUT
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES


class _Reading:
    """The checks for one answer, fed every decoded piece of its body."""

    def __init__(
        self,
        options: GuardOptions,
        deadlines: _Deadlines,
        head: _Head,
        is_download: bool = False,
    ) -> None:
        self.options = options
        self.is_stream = head.is_event_stream
        #: A downloaded file has no size cap here: the batch download caps the file
        #: (``max_file_bytes``), the reader each line (``max_line_bytes``, per request).
        self.is_download = is_download and not self.is_stream
        #: A file download may outlast a call's default deadline, as a stream may.
        open_ended = self.is_stream or is_download
        self.deadline_at = deadlines.explicit_at if open_ended else deadlines.at
        self.started = deadlines.started
        self.size = 0
        self.last_data = time.monotonic()
        self.events = DataEvents() if self.is_stream else None
        self.decoder = content_decoder(head.encoding, status=head.status) if head.encoding else None

    def check_time(self) -> None:
        now = time.monotonic()
        if self.deadline_at is not None and now > self.deadline_at:
            raise DeadlineExceededError(self.deadline_at - self.started)
        if self.is_stream and now - self.last_data > self.options.stream_idle_timeout:
            raise StreamIdleTimeoutError(self.options.stream_idle_timeout)

    def pieces(self, raw: bytes) -> Iterator[bytes]:
        """``raw`` decoded, in pieces of bounded size, each one checked."""
        if self.decoder is None:
            self.check(raw)
            yield raw
            return
        for piece in self.decoder.decode(raw):
            self.check(piece)
            yield piece

    def finish(self) -> Iterator[bytes]:
        """What the decoder still holds once the body has ended."""
        if self.decoder is not None:
            for piece in self.decoder.finish():
                self.check(piece)
                yield piece

    def check(self, piece: bytes) -> None:
        limit = self.options.max_response_bytes
        if not self.is_stream:
            if not self.is_download:
                self.size += len(piece)
                if self.size > limit:
                    raise ResponseTooLargeError(limit, "body")
            self.check_time()
            return
        if self.size + len(piece) > limit and _longest_line(piece, self.size) > limit:
            raise ResponseTooLargeError(limit, "single stream line")
        newline = piece.rfind(b"\n")
        self.size = self.size + len(piece) if newline < 0 else len(piece) - newline - 1
        now = time.monotonic()
        if self.events is not None and self.events.completed_in(piece):
            self.last_data = now
        elif now - self.last_data > self.options.stream_idle_timeout:
            raise StreamIdleTimeoutError(self.options.stream_idle_timeout)
        if self.deadline_at is not None and now > self.deadline_at:
            raise DeadlineExceededError(self.deadline_at - self.started)


def _longest_line(piece: bytes, carried: int) -> int:
    """The longest line in ``piece``, the first one counting ``carried`` earlier bytes."""
    longest, start, length = 0, 0, carried
    while (end := piece.find(b"\n", start)) >= 0:
        longest = max(longest, length + end - start)
        start, length = end + 1, 0
    return max(longest, length + len(piece) - start)


class _Deadlines(NamedTuple):
    """When a request must end: ``at`` for a body, ``explicit_at`` (a given ``deadline`` or
    ``deadline_cap``, else none) for a stream; ``started``, when its call started."""

    at: float
    explicit_at: float | None
    started: float


def _deadlines(options: GuardOptions) -> _Deadlines:
    now = time.monotonic()
    started = _call_started.get() or now
    explicit = started + options.deadline if options.deadline is not None else None
    queued = _call_queued.get()
    default_at = started + DEFAULT_DEADLINE + (queued[0] if queued else 0.0)
    at = explicit if explicit is not None else default_at
    cap = _deadline_cap.get()
    if cap is not None and (explicit is None or cap < explicit):
        explicit, at = cap, min(at, cap)
    return _Deadlines(at, explicit, started)


_TIMEOUT_NAMES = ("connect", "read", "write", "pool")
_ACCEPTED_ENCODINGS_RAW = ACCEPTED_ENCODINGS.encode()


def _raw_header(headers: httpx.Headers, lowercase_name: bytes) -> bytes | None:
    """A header's value as sent (``Headers.get`` costs more: it decodes every header)."""
    for name, value in headers.raw:
        if name.lower() == lowercase_name:
            return value
    return None


def _deadlines_for(request: httpx.Request, options: GuardOptions) -> _Deadlines:
    """Ask only for decodable encodings; refuse to start past the deadline; cap each wait
    at the time left."""
    _sent_headers.set(request.headers)
    deadlines = _deadlines(options)
    left = deadlines.at - time.monotonic()
    if left <= 0:
        raise DeadlineExceededError(deadlines.at - deadlines.started)
    if _raw_header(request.headers, b"accept-encoding") != _ACCEPTED_ENCODINGS_RAW:
        request.headers["Accept-Encoding"] = ACCEPTED_ENCODINGS
    timeouts = request.extensions.get("timeout") or {}
    if len(timeouts) < len(_TIMEOUT_NAMES) or any(v is None or v > left for v in timeouts.values()):
        capped = dict(timeouts)
        for name in _TIMEOUT_NAMES:
            value = timeouts.get(name)
            capped[name] = left if value is None or value > left else value
        request.extensions["timeout"] = capped
    return deadlines


class _Head(NamedTuple):
    """What the guards read from an answer's status and headers (lower-cased bytes), in
    one pass; ``encoding`` joins every ``Content-Encoding`` header with commas."""

    status: int
    content_type: bytes
    encoding: bytes

    @classmethod
    def of(cls, response: httpx.Response) -> _Head:
        content_type = encoding = b""
        for name, value in response.headers.raw:
            lowered = name.lower()
            if lowered == b"content-type":
                content_type = value.lower()
            elif lowered == b"content-encoding":
                encoding = encoding + b"," + value.lower() if encoding else value.lower()
        return cls(response.status_code, content_type, encoding)

    @property
    def is_event_stream(self) -> bool:
        return b"text/event-stream" in self.content_type


def _is_usable(response: httpx.Response, request: httpx.Request, head: _Head) -> bool:
    if not 200 <= response.status_code < 300:
        return True  # the SDK turns error statuses into its typed errors
    if head.is_event_stream:
        return True
    if b"json" in head.content_type and not _wants_stream(request):
        return True
    return _is_file_download(request)  # a file's content (batch output JSONL) is bytes


def _is_download(request: httpx.Request) -> bool:
    """``_is_file_download``, at no cost for the POSTs that chat and embeddings send."""
    return request.method == "GET" and _is_file_download(request)


def _is_file_download(request: httpx.Request) -> bool:
    """``GET /v1/files/{id}/content``, the Files API's download of a file's bytes."""
    parts = request.url.path.rstrip("/").split("/")
    return (
        request.method == "GET"
        and len(parts) >= 3
        and parts[-1] == "content"
        and parts[-3] == "files"
    )


def _wants_stream(request: httpx.Request) -> bool:
    try:
        body = request.content
    except httpx.RequestNotRead:
        return False
    return b'"stream": true' in body or b'"stream":true' in body


def _unusable(
    response: httpx.Response, body: bytes, request: httpx.Request, key: str | None
) -> MalformedResponseError:
    content_type = response.headers.get("content-type", "")
    if _wants_stream(request):
        detail = "a stream was asked for and the answer is not an event stream"
        fix = (
            "The base URL probably does not point at the kluster.ai API (it should end "
            "in /v1, e.g. https://api.kluster.ai/v1); check KLUSTER_BASE_URL / base_url."
        )
    else:
        detail = "the answer is neither JSON nor an event stream"
        fix = None
    return MalformedResponseError(
        detail,
        status=response.status_code,
        content_type=content_type or None,
        excerpt=masked_start(body.decode("utf-8", "replace"), key, _EXCERPT_CHARS),
        fix=fix,
    )


def _bearer_key(headers: httpx.Headers) -> str | None:
    value = headers.get("authorization", "")
    key = value.removeprefix("Bearer ").strip()
    return key or None


class _GuardedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, reading: _Reading) -> None:
        self._inner = inner
        self._reading = reading

    def __iter__(self) -> Iterator[bytes]:
        reading = self._reading
        if reading.decoder is None:
            for raw in self._inner:
                reading.check(raw)
                yield raw
            return
        for raw in self._inner:
            yield from reading.pieces(raw)
        yield from reading.finish()

    def close(self) -> None:
        self._inner.close()


class _AsyncGuardedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, reading: _Reading) -> None:
        self._inner = inner
        self._reading = reading

    async def __aiter__(self) -> AsyncIterator[bytes]:
        reading = self._reading
        if reading.decoder is None:
            async for raw in self._inner:
                reading.check(raw)
                yield raw
            return
        async for raw in self._inner:
            for piece in reading.pieces(raw):
                yield piece
        for piece in reading.finish():
            yield piece

    async def aclose(self) -> None:
        await self._inner.aclose()


def _guarded_response(
    response: httpx.Response,
    stream: httpx.SyncByteStream | httpx.AsyncByteStream,
    reading: _Reading,
) -> httpx.Response:
    """``response`` reading through ``stream``; a body the guard decodes loses its
    ``content-encoding`` and ``content-length``, as httpx must not decode it again. (A
    response its transport has already read, as ``httpx.MockTransport`` gives, is rebuilt
    too: it would never read the new stream.)"""
    if reading.decoder is None and not response.is_stream_consumed:
        response.stream = stream
        return response
    return httpx.Response(
        response.status_code,
        headers=_without_body_framing(response.headers),
        stream=stream,
        extensions=response.extensions,
    )


def _without_body_framing(headers: httpx.Headers) -> list[tuple[bytes, bytes]]:
    return [
        (k, v) for k, v in headers.raw if k.lower() not in (b"content-encoding", b"content-length")
    ]


class GuardedTransport(httpx.BaseTransport):
    """Applies ``GuardOptions`` to every answer of the wrapped sync transport."""

    def __init__(self, inner: httpx.BaseTransport, options: GuardOptions) -> None:
        self._inner = inner
        self._options = options

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadlines = _deadlines_for(request, self._options)
        response = self._inner.handle_request(request)
        head = _Head.of(response)
        try:
            reading = _Reading(self._options, deadlines, head, is_download=_is_download(request))
        except UnsupportedContentEncodingError:
            response.close()
            raise
        stream = cast(httpx.SyncByteStream, response.stream)  # a sync transport's answer
        guarded = _guarded_response(response, _GuardedStream(stream, reading), reading)
        if response.status_code >= 400 or not _is_usable(response, request, head):
            body = b"".join(_limited(guarded.iter_raw()))
            guarded.close()
            return _settled(guarded, body, request, head)
        return guarded

    def close(self) -> None:
        self._inner.close()


class AsyncGuardedTransport(httpx.AsyncBaseTransport):
    """The async form of ``GuardedTransport``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, options: GuardOptions) -> None:
        self._inner = inner
        self._options = options

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        deadlines = _deadlines_for(request, self._options)
        response = await self._inner.handle_async_request(request)
        head = _Head.of(response)
        try:
            reading = _Reading(self._options, deadlines, head, is_download=_is_download(request))
        except UnsupportedContentEncodingError:
            await response.aclose()
            raise
        stream = cast(httpx.AsyncByteStream, response.stream)  # an async transport's answer
        guarded = _guarded_response(response, _AsyncGuardedStream(stream, reading), reading)
        if response.status_code >= 400 or not _is_usable(response, request, head):
            body = b"".join([piece async for piece in _alimited(guarded.aiter_raw())])
            await guarded.aclose()
            return _settled(guarded, body, request, head)
        return guarded

    async def aclose(self) -> None:
        await self._inner.aclose()


#: Error bodies and unusable answers are read whole (to mask the key, to quote them); they
#: are small, and never read past this many bytes.
_ERROR_BODY_LIMIT = 64 * 1024


def _settled(
    response: httpx.Response, body: bytes, request: httpx.Request, head: _Head
) -> httpx.Response:
    """An error answer with the key masked, or ``MalformedResponseError`` for an unusable
    2xx answer."""
    key = _bearer_key(request.headers)
    if not _is_usable(response, request, head):
        raise _unusable(response, body, request, key)
    cut = len(body) >= _ERROR_BODY_LIMIT  # a key cut at the end must not show either
    masked = mask_key(body.decode("utf-8", "replace"), key, cut=cut).encode()
    return httpx.Response(
        response.status_code,
        headers=mask_header_values(_without_body_framing(response.headers), key),
        content=masked,
        extensions=response.extensions,
    )


def _limited(pieces: Iterator[bytes]) -> Iterator[bytes]:
    size = 0
    for piece in pieces:
        yield piece
        size += len(piece)
        if size >= _ERROR_BODY_LIMIT:
            return


async def _alimited(pieces: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    size = 0
    async for piece in pieces:
        yield piece
        size += len(piece)
        if size >= _ERROR_BODY_LIMIT:
            return
