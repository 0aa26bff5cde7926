"""Undo an answer's ``Content-Encoding`` chain in bounded pieces, for the size guard.

httpx decodes each network read whole, so a few bytes of a bomb become gigabytes before
anyone can count them. ``content_decoder`` reads every ``Content-Encoding`` value of an
answer (stacked in one header or repeated), undoes the codings last-applied first, and
hands out output in pieces of bounded size, so the caller counts each decoded byte against
its cap as it comes:

- ``gzip`` (and its alias ``x-gzip``) and ``deflate`` with zlib, at most ``PIECE`` bytes a
  step; ``deflate`` without the zlib header (raw deflate) is accepted, as httpx does;
- ``zstd`` with ``zstandard`` (httpx's optional decoder), in input slices small enough
  that one step yields at most a few MB, with the window of RFC 9659 (8 MB);
- ``br`` with ``brotli`` or ``brotlicffi`` 1.2 or later, whose output can be limited;
- ``identity`` is nothing to undo.

Anything else, ``zstd``/``br`` without their package, or more than ``MAX_CODINGS``
codings raises ``UnsupportedContentEncodingError``; corrupt data raises
``httpx.DecodingError``, as httpx itself does.

Example::

    decoder = content_decoder(b"gzip, gzip", status=200)   # None: nothing to decode
    for raw in body:
        for piece in decoder.decode(raw):
            count(piece)
    for piece in decoder.finish():
        count(piece)
"""

from __future__ import annotations

import functools
import importlib
import zlib
from collections.abc import Iterator
from typing import Any, Protocol

import httpx

from kluster_integrations.core.errors import UnsupportedContentEncodingError

#: The most output one step of the zlib and brotli decoders yields.
PIECE = 256 * 1024
#: The most codings undone for one answer; each holds a window of up to a few MB.
MAX_CODINGS = 4
#: Input given to zstd at a time: one zstd block (at least 4 bytes) yields at most 128 KB,
#: so one slice yields at most 2 MB.
_ZSTD_SLICE = 64
#: The largest zstd window a client must accept for HTTP (RFC 9659); larger ones are refused.
_ZSTD_MAX_WINDOW = 8 * 1024 * 1024
#: The output limit asked of brotli: its C binding stops growing its buffer only once
#: the buffer reaches the limit, so one step can yield more (64 KB asked: up to 96 KB).
_BROTLI_LIMIT = PIECE // 4
_ASKED_FOR = "The client asks for gzip or deflate only (Accept-Encoding)"


class _Coding(Protocol):
    """One coding being undone: ``decode`` each piece of input, then ``finish``."""

    def decode(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


@functools.cache
def optional_module(name: str) -> Any:
    """The module ``name`` if it can be imported, else ``None`` (imported once, when an
    answer first needs it)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class ContentDecoder:
    """The codings of one answer's body, undone in turn, each step's output bounded."""

    __slots__ = ("_codings",)

    def __init__(self, codings: list[_Coding]) -> None:
        self._codings = codings  # in decoding order: the last applied first

    def decode(self, data: bytes) -> Iterator[bytes]:
        """``data``, the next piece of the body as received, decoded in bounded pieces."""
        return self._through(0, data)

    def finish(self) -> Iterator[bytes]:
        """What the decoders still hold once the body has ended."""
        for index, coding in enumerate(self._codings):
            for piece in coding.finish():
                yield from self._through(index + 1, piece)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._codings):
            yield data
            return
        for piece in self._codings[index].decode(data):
            yield from self._through(index + 1, piece)


def content_decoder(encodings: bytes, *, status: int) -> ContentDecoder | None:
    """A decoder for the ``Content-Encoding`` values ``encodings`` (lower-cased, repeated
    headers joined with commas), or ``None`` when there is nothing to undo. Raises
    ``UnsupportedContentEncodingError`` (quoting ``status``) for what cannot be decoded
    within the cap."""
    names = [n for n in (v.strip() for v in encodings.split(b",")) if n and n != b"identity"]
    if not names:
        return None
    if len(names) > MAX_CODINGS:
        raise UnsupportedContentEncodingError(
            encodings.decode("latin-1"),
            f"{len(names)} encodings stacked, more than the {MAX_CODINGS} this client undoes",
            f"{_ASKED_FOR}; check that the base URL does not point at a proxy that "
            "compresses answers again and again.",
            status=status,
        )
    return ContentDecoder([_coding(name.decode("latin-1"), status) for name in reversed(names)])


def _coding(name: str, status: int) -> _Coding:
    if name in ("gzip", "x-gzip"):
        return _Zlib(name, 16 + zlib.MAX_WBITS)
    if name == "deflate":
        return _Deflate()
    if name == "zstd":
        zstandard = optional_module("zstandard")
        if zstandard is None:
            raise _needs_package(name, "zstandard", status)
        return _Zstd(zstandard)
    if name == "br":
        brotli = optional_module("brotli") or optional_module("brotlicffi")
        if brotli is None or not hasattr(brotli.Decompressor, "can_accept_more_data"):
            raise _needs_package(name, "brotli>=1.2", status)
        return _Brotli(brotli)
    raise UnsupportedContentEncodingError(
        name,
        "which this client does not decode",
        f"{_ASKED_FOR}; check that the base URL points at the kluster.ai API and not at "
        "a proxy that re-encodes answers.",
        status=status,
    )


def _needs_package(name: str, package: str, status: int) -> UnsupportedContentEncodingError:
    return UnsupportedContentEncodingError(
        name,
        f"which needs {package} installed to decode it within max_response_bytes",
        f"{_ASKED_FOR}; if the server sends {name!r} anyway, pip install '{package}'.",
        status=status,
    )


def _corrupt(name: str, error: Exception) -> httpx.DecodingError:
    return httpx.DecodingError(f"The answer's {name} data cannot be decoded: {error}")


class _Zlib:
    """gzip, or deflate with or without the zlib header (``wbits`` says which)."""

    __slots__ = ("_name", "_zlib")

    def __init__(self, name: str, wbits: int) -> None:
        self._name = name
        self._zlib = zlib.decompressobj(wbits)

    def decode(self, data: bytes) -> Iterator[bytes]:
        decoder = self._zlib
        while data and not decoder.eof:  # after the end, the rest is ignored, as httpx does
            try:
                piece = decoder.decompress(data, PIECE)
            except zlib.error as error:
                raise _corrupt(self._name, error) from error
            data = decoder.unconsumed_tail
            if piece:
                yield piece

    def finish(self) -> Iterator[bytes]:
        try:
            piece = self._zlib.flush()
        except zlib.error as error:
            raise _corrupt(self._name, error) from error
        if piece:
            yield piece


class _Deflate:
    """``deflate``: zlib data, or raw deflate when the first two bytes are no zlib header
    (decided on those two bytes, however the body is split)."""

    __slots__ = ("_start", "_zlib")

    def __init__(self) -> None:
        self._start = b""
        self._zlib: _Zlib | None = None

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            data = self._start + data
            if len(data) < 2:
                self._start = data
                return
            wbits = zlib.MAX_WBITS if _is_zlib_header(data) else -zlib.MAX_WBITS
            self._zlib = _Zlib("deflate", wbits)
        yield from self._zlib.decode(data)

    def finish(self) -> Iterator[bytes]:
        return self._zlib.finish() if self._zlib is not None else iter(())


def _is_zlib_header(data: bytes) -> bool:
    """Whether ``data`` starts as zlib data zlib can read: deflate, a window of at most
    32 KB, the check bits right, no preset dictionary (RFC 1950)."""
    method, flags = data[0], data[1]
    return (
        method & 0x0F == 8
        and method >> 4 <= 7
        and (method << 8 | flags) % 31 == 0
        and not flags & 0x20
    )


class _Zstd:
    """zstd, frame after frame, a small slice of input at a time."""

    __slots__ = ("_decompressor", "_error", "_frame")

    def __init__(self, zstandard: Any) -> None:
        self._decompressor = zstandard.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW)
        self._error = zstandard.ZstdError
        self._frame = self._decompressor.decompressobj()

    def decode(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), _ZSTD_SLICE):
            chunk = data[start : start + _ZSTD_SLICE]
            while chunk:
                if self._frame.eof:  # another frame follows
                    self._frame = self._decompressor.decompressobj()
                try:
                    piece = self._frame.decompress(chunk)
                except self._error as error:
                    raise _corrupt("zstd", error) from error
                chunk = self._frame.unused_data if self._frame.eof else b""
                if piece:
                    yield piece

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Brotli:
    """br, with brotli's own limit on the output of each step."""

    __slots__ = ("_brotli", "_decompressor")

    def __init__(self, brotli: Any) -> None:
        self._brotli = brotli
        self._decompressor = brotli.Decompressor()

    def decode(self, data: bytes) -> Iterator[bytes]:
        decompressor = self._decompressor
        if decompressor.is_finished():
            return
        try:
            step = decompressor.process(data, output_buffer_limit=_BROTLI_LIMIT)
            # Output held back by the limit comes out on calls without input, until one
            # returns nothing; can_accept_more_data() may already be True before that
            # (brotli 1.2.1), so only an empty answer says the decoder holds nothing more.
            while step:
                for start in range(0, len(step), PIECE):
                    yield step[start : start + PIECE]
                step = decompressor.process(b"", output_buffer_limit=_BROTLI_LIMIT)
        except self._brotli.error as error:
            raise _corrupt("br", error) from error

    def finish(self) -> Iterator[bytes]:
        return iter(())
