"""Server-sent events for a streamed chat completion, in OpenAI's chunk format.

``stream_completion`` yields ``data: {...}`` events: a first chunk with the assistant role,
one chunk per word, a last chunk with ``finish_reason`` (and ``usage`` when the emulator
reports it), then ``data: [DONE]``. A ``Fault`` with ``cut_after_chunks`` stops it early,
by dropping the connection (``StreamCut``) or by ending the body quietly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from kluster_integrations.emulator._state import EmulatorState, Fault


class StreamCut(Exception):
    """Raised inside a streaming body to drop the connection mid-way."""


class _QuietExpectedErrors(logging.Filter):
    """Keep uvicorn from logging tracebacks for drops and shutdowns the emulator caused."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], StreamCut | asyncio.CancelledError):
            return False
        return not record.getMessage().startswith("Cancel ")


def quiet_uvicorn_logs() -> None:
    """Install the filter once on uvicorn's error logger."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietExpectedErrors) for f in logger.filters):
        logger.addFilter(_QuietExpectedErrors())


def chunk_event(
    completion_id: str,
    model: str,
    delta: dict[str, Any],
    finish: str | None,
    usage: dict[str, int] | None = None,
) -> str:
    """One ``chat.completion.chunk`` as an SSE event."""
    payload: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    if usage is not None:
        payload["usage"] = usage
    return f"data: {json.dumps(payload)}\n\n"


async def stream_completion(
    state: EmulatorState,
    completion_id: str,
    model: str,
    text: str,
    finish: str,
    usage: dict[str, int],
    fault: Fault | None,
    reasoning: dict[str, str] | None = None,
) -> AsyncIterator[str]:
    """The events for ``text``; see the module docstring. ``reasoning`` (``{field: text}``)
    is streamed word by word in that delta field before the content."""
    delay = state.settings.chunk_delay
    cut_after = fault.cut_after_chunks if fault is not None else None
    yield chunk_event(completion_id, model, {"role": "assistant", "content": ""}, None)
    pieces = [
        (name, word) for name, thought in (reasoning or {}).items() for word in _words(thought)
    ] + [("content", word) for word in _words(text)]
    for i, (name, piece) in enumerate(pieces):
        if cut_after is not None and i >= cut_after:
            if fault is not None and fault.cut_mode == "abort":
                raise StreamCut("emulated connection drop")
            return
        if delay:
            await asyncio.sleep(delay)
        yield chunk_event(completion_id, model, {name: piece}, None)
    yield chunk_event(
        completion_id, model, {}, finish, usage if state.settings.stream_usage else None
    )
    yield "data: [DONE]\n\n"


def _words(text: str) -> list[str]:
    """``text`` in word pieces that join back to it (the first has no leading space)."""
    words = text.split(" ")
    return [words[0], *(" " + word for word in words[1:])]
