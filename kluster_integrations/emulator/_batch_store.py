"""The emulator's Batch API state: files, batches, the clock and the faults.

``batch_store(state)`` is the store that belongs to an emulator (one per ``EmulatorState``);
tests reach it through the ``kluster_batches`` fixture.

Example::

    store = batch_store(emulator.state)
    store.clock = BatchClock(seconds_per_line=0.001)
    store.add_fault(BatchFault(expire_after=3))  # the next batch expires after 3 lines
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from kluster_integrations.emulator._state import EmulatorState


@dataclass
class BatchClock:
    """How long a batch spends in each state: seconds validating, per line, finalizing."""

    validating_seconds: float = 0.01
    seconds_per_line: float = 0.0
    finalizing_seconds: float = 0.01


@dataclass
class BatchFault:
    """What goes wrong with the next batch created.

    - ``fail``: the batch fails while validating, with this message;
    - ``expire_after``: it expires after this many lines ran (partial output, the rest
      in the error file as ``batch_expired``);
    - ``failing_lines``: these ``custom_id``\\ s fail with HTTP 500, their error saying
      ``failure_message`` (a server that echoes the key puts it there);
    - ``seconds_per_line``: a slow batch (overrides the clock);
    - ``reply_text``: every answered line replies with this text, any ``str`` (a lone
      surrogate too: the result file holds it JSON-escaped, as ``\\ud800``).

    What a broken or hostile server does with the result files:

    - ``duplicated_lines`` / ``dropped_lines``: these ``custom_id``\\ s' result lines are
      written twice / left out (the request still counts as done);
    - ``garbled_lines``: their lines name the ``custom_id`` in bytes that are not UTF-8;
    - ``output_file_id`` / ``error_file_id``: the batch names its file with this id (any
      text, a path too) and the emulator serves the file at that id;
    - ``files_media_type``: the content type the result files are served with;
    - ``cut_downloads``: the first this many downloads of each result file drop the
      connection half-way through the body.
    """

    fail: str | None = None
    expire_after: int | None = None
    failing_lines: frozenset[str] = frozenset()
    failure_message: str = "Emulated fault: HTTP 500."
    seconds_per_line: float | None = None
    reply_text: str | None = None
    duplicated_lines: frozenset[str] = frozenset()
    dropped_lines: frozenset[str] = frozenset()
    garbled_lines: frozenset[str] = frozenset()
    output_file_id: str | None = None
    error_file_id: str | None = None
    files_media_type: str = "application/octet-stream"
    cut_downloads: int = 0


#: The ``BatchFault`` fields holding ``custom_id``\\ s (lists in the control API's JSON).
LINE_SET_FIELDS = ("failing_lines", "duplicated_lines", "dropped_lines", "garbled_lines")


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int = field(default_factory=lambda: int(time.time()))
    media_type: str = "application/octet-stream"
    #: Downloads still to cut half-way (``BatchFault.cut_downloads``).
    cuts_left: int = 0

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
        }


class BatchStore:
    """Files and batches of one emulator, plus the clock, faults and per-batch limits.

    ``max_requests_per_batch`` imitates a plan's cap (Trial: 999); ``None`` means no cap.
    """

    def __init__(self) -> None:
        self.clock = BatchClock()
        self.max_requests_per_batch: int | None = None
        self.files: dict[str, StoredFile] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._faults: list[BatchFault] = []
        self._cancel: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        #: Bumped by ``reset``; a batch started before a reset stops at its next step.
        self.generation = 0

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_emu{next(self._ids):06d}"

    def add_fault(self, fault: BatchFault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take_fault(self) -> BatchFault:
        with self._lock:
            return self._faults.pop(0) if self._faults else BatchFault()

    def add_file(
        self, filename: str, purpose: str, content: bytes, file_id: str | None = None
    ) -> StoredFile:
        stored = StoredFile(file_id or self.new_id("file"), filename, purpose, content)
        self.files[stored.id] = stored
        return stored

    def reset(self) -> None:
        """Forget files, batches and faults; back to the default clock and no cap."""
        with self._lock:
            self.generation += 1
            self._faults.clear()
            self._cancel.clear()
            self.files.clear()
            self.batches.clear()
            self.clock = BatchClock()
            self.max_requests_per_batch = None


_STORES: weakref.WeakKeyDictionary[EmulatorState, BatchStore] = weakref.WeakKeyDictionary()


def batch_store(state: EmulatorState) -> BatchStore:
    """The batch store that belongs to ``state`` (created on first use)."""
    store = _STORES.get(state)
    if store is None:
        store = _STORES[state] = BatchStore()
    return store
