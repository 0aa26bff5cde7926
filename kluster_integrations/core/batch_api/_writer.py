"""Batch input files written line by line to disk, split at the size and request caps.

Example::

    with BatchFileWriter(tmpdir, max_requests=50_000) as writer:
        for custom_id, body in requests:
            writer.add(custom_id, body)
    writer.parts      # [BatchPart(path=.../part-0000.jsonl, custom_ids=[...]), ...]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from kluster_integrations.core.batch_api._ids import CustomIds
from kluster_integrations.core.contract import BATCH_ENDPOINT, BATCH_MAX_FILE_BYTES
from kluster_integrations.core.errors import BatchInputError

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_LINE_HEAD = '{"custom_id":'
_LINE_MIDDLE = f',"method":"POST","url":"{BATCH_ENDPOINT}","body":'


@dataclass
class BatchPart:
    """One input file: where it is, its size, and its ``custom_id``\\ s in order."""

    path: Path
    custom_ids: CustomIds = field(default_factory=CustomIds)
    size: int = 0


class BatchFileWriter:
    """Writes ``{"custom_id", "method", "url", "body"}`` lines, one file per batch.

    A new file starts when the next line would take the current one over ``max_bytes``
    (kluster.ai's 100 MB) or past ``max_requests``. Only the current file is open; only the
    ids are kept in memory.
    """

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int = BATCH_MAX_FILE_BYTES,
        max_requests: int | None = None,
    ) -> None:
        if max_requests is not None and max_requests < 1:
            raise BatchInputError(
                f"max_requests_per_batch is {max_requests}",
                "Pass a positive number, or None for no cap.",
            )
        self.directory = directory
        self.max_bytes = max_bytes
        self.max_requests = max_requests
        self.parts: list[BatchPart] = []
        self._file: IO[bytes] | None = None

    def add(self, custom_id: str, body: Mapping[str, Any]) -> None:
        if not isinstance(body, dict):
            body = dict(body)
        line = (_LINE_HEAD + _encode(custom_id) + _LINE_MIDDLE + _encode(body) + "}\n").encode()
        if len(line) > self.max_bytes:
            raise BatchInputError(
                f"request {custom_id!r} alone is {len(line)} bytes, over the "
                f"{self.max_bytes}-byte file limit",
                "Shorten that request.",
            )
        part = self.parts[-1] if self.parts else None
        if (
            part is None
            or part.size + len(line) > self.max_bytes
            or (self.max_requests is not None and len(part.custom_ids) >= self.max_requests)
        ):
            part = self._start_part()
        assert self._file is not None
        self._file.write(line)
        part.size += len(line)
        part.custom_ids.append(custom_id)

    def _start_part(self) -> BatchPart:
        self.close()
        part = BatchPart(self.directory / f"part-{len(self.parts):04d}.jsonl")
        self._file = part.path.open("wb")
        self.parts.append(part)
        return part

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> BatchFileWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
