"""A job's batch files fetched to disk: plain ids only, names of our own, capped, retried.

File ids come from the server's batch objects. Every id is checked to be a plain id before
the first request (``BatchFileIdError`` otherwise) and is never used as a file name: each
file is saved as ``BatchFile.name`` (``batch-0-output.jsonl``) in a folder the caller
chose. A download stops at ``max_bytes`` (``BatchFileTooLargeError``) and starts over when
the connection drops mid-body, as often as the client retries a request
(``max_retries``), then raises ``BatchDownloadError``.

Example::

    files = batch_files(job.id, batches, need_input=[False] * len(batches))
    for file in files:
        batch_id = batches[file.batch_number].id
        download(client, file, folder / file.name, max_bytes=MAX_BYTES, batch_id=batch_id)
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import openai

from kluster_integrations.core.errors import (
    BatchDownloadError,
    BatchFileIdError,
    BatchFileTooLargeError,
)

#: Bytes a batch file may grow to while downloading, far above real outputs (an input
#: file holds at most 100 MB of requests), so only a runaway download stops.
DEFAULT_MAX_FILE_BYTES = 4 * 1024**3
#: Letters, digits, ``-``, ``_`` and ``.`` (``..`` is refused apart), up to 255 characters.
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}")
_PIECE = 1 << 20
#: Seconds before downloading again after a cut, doubled each time.
_FIRST_PAUSE = 0.2
_KINDS = (("input", "input_file_id"), ("output", "output_file_id"), ("error", "error_file_id"))


def is_plain_file_id(file_id: object) -> bool:
    """True for an id that can only name a file on the server (no path, no control chars)."""
    if not isinstance(file_id, str) or ".." in file_id:
        return False
    return _PLAIN_ID.fullmatch(file_id) is not None


@dataclass(frozen=True)
class BatchFile:
    """One file of a job: the batch's position in the job, which file (``input``,
    ``output`` or ``error``) and the server's id for it."""

    batch_number: int
    kind: str
    file_id: str

    @property
    def name(self) -> str:
        """The name it is saved under, made here (never from the server's id)."""
        return saved_name(self.batch_number, self.kind)

    def describe(self, batch_id: str) -> str:
        return f"{self.kind} file {self.file_id} of batch {batch_id}"


def saved_name(batch_number: int, kind: str) -> str:
    return f"batch-{batch_number}-{kind}.jsonl"


def batch_files(job_id: str, batches: Sequence[Any], need_input: Sequence[bool]) -> list[BatchFile]:
    """The files to fetch for ``batches`` (their input files where ``need_input``), every id
    checked first, so a bad one stops the job before any request."""
    files: list[BatchFile] = []
    for number, batch in enumerate(batches):
        for kind, field in _KINDS:
            file_id = getattr(batch, field, None)
            if file_id is None or file_id == "" or (kind == "input" and not need_input[number]):
                continue
            if not is_plain_file_id(file_id):
                raise BatchFileIdError(job_id, f"batch {batch.id}'s {field}", file_id)
            files.append(BatchFile(number, kind, file_id))
    return files


class _Download:
    """One file's download: the pieces written (up to ``max_bytes``), and the attempts
    (``max_retries`` + 1; after a cut, ``cut`` says how long to pause, or raises)."""

    def __init__(self, client: openai.OpenAI | openai.AsyncOpenAI, what: str, max_bytes: int):
        self.attempts = max(int(client.max_retries), 0) + 1
        self.what = what
        self.max_bytes = max_bytes
        self.left = max_bytes
        self.request: httpx.Request | None = None

    def start(self, request: httpx.Request) -> None:
        self.request = request
        self.left = self.max_bytes

    def write(self, out: IO[bytes], piece: bytes) -> None:
        self.left -= len(piece)
        if self.left < 0:
            raise BatchFileTooLargeError(self.max_bytes, self.what)
        out.write(piece)

    def cut(self, attempt: int, err: httpx.TransportError) -> float:
        if attempt + 1 >= self.attempts:
            request = self.request or _request(err)
            raise BatchDownloadError(self.what, self.attempts, request) from err
        return float(min(_FIRST_PAUSE * 2**attempt, 5.0))


def download(
    client: openai.OpenAI, file: BatchFile, path: Path, *, max_bytes: int, batch_id: str
) -> None:
    """Save ``file`` at ``path`` (see the module docstring)."""
    state = _Download(client, file.describe(batch_id), max_bytes)
    for attempt in range(state.attempts):
        try:
            with client.files.with_streaming_response.content(file.file_id) as response:
                state.start(response.http_request)
                with path.open("wb") as out:
                    for piece in response.iter_bytes(_PIECE):
                        state.write(out, piece)
            return
        except httpx.TransportError as err:  # the body broke off: the SDK retried only the start
            pause = state.cut(attempt, err)
        time.sleep(pause)


async def adownload(
    client: openai.AsyncOpenAI, file: BatchFile, path: Path, *, max_bytes: int, batch_id: str
) -> None:
    """``download`` through the async client."""
    state = _Download(client, file.describe(batch_id), max_bytes)
    for attempt in range(state.attempts):
        try:
            async with client.files.with_streaming_response.content(file.file_id) as response:
                state.start(response.http_request)
                with path.open("wb") as out:
                    async for piece in response.iter_bytes(_PIECE):
                        state.write(out, piece)
            return
        except httpx.TransportError as err:
            pause = state.cut(attempt, err)
        await asyncio.sleep(pause)


def _request(err: httpx.TransportError) -> httpx.Request:
    try:
        return err.request
    except RuntimeError:  # an error raised outside a request carries none
        return httpx.Request("GET", "about:blank")
