"""What an emulator remembers and what tests tell it: request log, scripted replies, faults.

The server thread and the test thread both touch this object, so every method takes the
lock. Tests normally use it through ``KlusterEmulator`` (``emulator.state``).

Example::

    state = EmulatorState()
    state.queue_replies("Paris.", {"city": "Paris"})      # next two chat answers
    state.add_fault(Fault(status=429, retry_after=1.0))    # the next request gets a 429
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from kluster_integrations.core.contract import VERIFY_ENDPOINT
from kluster_integrations.emulator._rate_ledger import RateLedger, RateWindow

CHAT_PATH = "/v1/chat/completions"
EMBEDDINGS_PATH = "/v1/embeddings"
VERIFY_PATH = VERIFY_ENDPOINT


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it (the Authorization header is not kept).

    ``in_flight``: for chat and embeddings requests, how many of the same key and model
    were being answered when it arrived, itself included (``None`` for other paths);
    ``at``: when it arrived (``time.monotonic()`` of the emulator's process)."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]
    in_flight: int | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """Something to go wrong with the next matching request(s).

    - ``status``: answer with this HTTP error (``retry_after`` adds a ``Retry-After`` header);
    - ``delay``: wait this many seconds before answering;
    - ``cut_after_chunks``: stop a stream after this many content chunks, either by
      dropping the connection (``cut_mode="abort"``) or by ending the body cleanly without
      a finish reason or ``[DONE]`` (``"truncate"``);
    - ``malformed``: answer 200 with a body that is not JSON;
    - ``body``: with ``status``, send this JSON body instead of the OpenAI-style error (for
      example kluster's recorded ``{"error": {..., "errorCode": 4000}}``);
    - ``answer``: send the hostile answer of that name instead (``emulator.hostile``),
      ``answer_bytes`` sizing the big ones.
    ``path`` limits the fault to one endpoint (``None``: any); ``times`` is how many
    requests it hits.
    """

    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    cut_after_chunks: int | None = None
    cut_mode: Literal["abort", "truncate"] = "abort"
    malformed: bool = False
    body: Any = None
    answer: str | None = None
    answer_bytes: int = 0
    path: str | None = CHAT_PATH
    times: int = 1


@dataclass
class Settings:
    """How the emulator behaves for every request.

    ``api_key``: the one key accepted (``None``: any non-empty key). ``latency``: seconds
    before each answer. ``chunk_delay``: seconds between stream chunks. ``stream_usage``:
    put ``usage`` on the final stream chunk, as OpenAI-compatible servers commonly do.
    ``extra_models``: ids accepted besides the catalog and ``ft:`` fine-tunes.
    ``accepts_anyway``: parameters and message fields accepted although the contract refuses
    them, to emulate a kluster.ai that drifted (``emulator/drift.py``).
    ``listing_changes``: model id -> fields of its ``GET /v1/models`` entry replaced
    (``drift.REMOVED`` deletes one; an id the catalog lacks is listed with those fields).
    ``reasoning_field``: send reasoning models' thinking in this response field
    (``"reasoning_content"`` or ``"reasoning"``) instead of a ``<think>`` block in ``content``.

    ``requests_per_minute`` / ``max_concurrent``: rate limits per API key and model,
    answered with 429 and ``Retry-After`` (``None``: none); ``rate_window``: a
    ``"sliding"`` or ``"fixed"`` (calendar) minute. ``KlusterEmulator.set_rate_limits``
    sets them, from a tier too.

    ``stream_usage`` is an assumption: kluster.ai documents neither usage in streams nor
    ``stream_options``; tests that matter set it both ways.
    """

    api_key: str | None = None
    latency: float = 0.0
    chunk_delay: float = 0.0
    stream_usage: bool = True
    extra_models: set[str] = field(default_factory=set)
    accepts_anyway: set[str] = field(default_factory=set)
    listing_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    reasoning_field: str | None = None
    requests_per_minute: int | None = None
    max_concurrent: int | None = None
    rate_window: RateWindow = "sliding"


class EmulatorState:
    """Shared, thread-safe state of one emulator."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._replies: deque[Any] = deque()
        self._faults: list[Fault] = []
        #: The counts behind the rate limits (``Settings.requests_per_minute``...).
        self.rate_ledger = RateLedger()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def bodies(self, path: str = CHAT_PATH) -> list[Any]:
        """The JSON bodies received on ``path``, oldest first."""
        return [r.body for r in self.requests if r.path == path]

    def queue_replies(self, *replies: Any) -> None:
        """Queue chat answers: a string is the text, anything else is sent as JSON text."""
        with self._lock:
            self._replies.extend(replies)

    def next_reply(self) -> Any | None:
        with self._lock:
            return self._replies.popleft() if self._replies else None

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def add_faults(self, faults: Iterable[Fault]) -> None:
        for fault in faults:
            self.add_fault(fault)

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.path in (None, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        del self._faults[i]
                    return fault
        return None

    def reset(self) -> None:
        """Forget requests, queued replies, faults and 429s given (settings stay)."""
        with self._lock:
            self._requests.clear()
            self._replies.clear()
            self._faults.clear()
        self.rate_ledger.reset()
