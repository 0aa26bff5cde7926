"""Make sure a streamed answer is whole, or say clearly that it is not.

A stream that stops before a chunk with ``finish_reason`` is an incomplete answer, whether
the connection dropped (httpx raises a transport error) or the body just ended. Both become
``StreamInterruptedError``. An error event (the SDK's ``APIError``) has the API key masked
in its message, ``args`` and ``body``. An event whose JSON cannot be read is
``MalformedResponseError``, except ``[DONE]`` padded with spaces, which ends the stream as
the plain marker does. The answer path keeps one ``StreamGuard`` per stream.

Example::

    guard = StreamGuard()
    with guard.reading():
        for chunk in chunks:
            guard.saw(chunk.choices[0].delta.content, chunk.choices[0].finish_reason)
    guard.check_whole()         # StreamInterruptedError if no finish reason came
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import openai

from kluster_integrations.core.errors import MalformedResponseError, StreamInterruptedError
from kluster_integrations.core.transport import mask_error_fields, masked_excerpt, request_key


class StreamGuard:
    """What one stream has delivered, and its errors said clearly (sync and async alike:
    ``reading`` is a plain context manager around either kind of loop)."""

    __slots__ = ("finished", "received")

    def __init__(self) -> None:
        self.received = 0
        self.finished = False

    def saw(self, text: str | None, finish_reason: str | None) -> None:
        """Count one chunk's text; note its finish reason."""
        if text:
            self.received += len(text)
        if finish_reason:
            self.finished = True

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Around the loop over the chunks: transport errors, unreadable events and error
        events become the errors above; a padded ``[DONE]`` ends the stream."""
        try:
            yield
        except openai.APIError as exc:  # an error event may quote the key (HTTP 200: unmasked)
            mask_error_fields(exc, request_key())
            raise
        except httpx.TransportError as exc:
            raise StreamInterruptedError(self.received) from exc
        except json.JSONDecodeError as exc:
            if exc.doc.strip() != "[DONE]":
                raise MalformedResponseError(
                    f"a stream event is not valid JSON ({exc.msg})",
                    content_type="text/event-stream",
                    excerpt=masked_excerpt(exc.doc),
                ) from exc

    def check_whole(self) -> None:
        """Raise ``StreamInterruptedError`` unless a chunk carried a finish reason."""
        if not self.finished:
            raise StreamInterruptedError(self.received)
