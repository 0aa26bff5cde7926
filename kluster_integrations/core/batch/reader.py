"""Batch output and error files mapped back to input order by ``custom_id``.

Files are downloaded to disk; a first pass records where each ``custom_id``'s line is, a
second reads the lines in input order, so memory holds offsets, not the answers.

Example::

    index = ResultIndex(job_id, ["request-0", "request-1"])
    index.add_file(Path("output.jsonl"))
    index.add_file(Path("errors.jsonl"))
    for item in index.items(not_run=None):     # ResultItem in input order
        ...
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kluster_integrations.core.errors import BatchItemError, BatchOutputError

_CUSTOM_ID = re.compile(rb'"custom_id"\s*:\s*"((?:[^"\\]|\\.)*)"')


def custom_id_of(line: bytes) -> str | None:
    """The ``custom_id`` of a JSONL line, found without parsing the whole line."""
    match = _CUSTOM_ID.search(line)
    if match is None:
        return None
    raw = match.group(1)
    return json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode()


def read_custom_ids(path: Path) -> list[str]:
    """The ``custom_id`` of every line of an input file, in order."""
    ids: list[str] = []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                found = custom_id_of(line)
                if found is None:
                    raise BatchOutputError(path.name, f"input line {number} has no custom_id")
                ids.append(found)
    return ids


@dataclass(frozen=True)
class ResultItem:
    """One request's outcome: the chat completion ``body``, or the ``error``."""

    index: int
    custom_id: str
    body: dict[str, Any] | None
    error: BatchItemError | None


class ResultIndex:
    """Where each input's result line is, across a batch's output and error files."""

    def __init__(self, job_id: str, custom_ids: list[str], first_index: int = 0) -> None:
        self.job_id = job_id
        self.first_index = first_index
        self.custom_ids = custom_ids
        self._position = {custom_id: i for i, custom_id in enumerate(custom_ids)}
        if len(self._position) != len(custom_ids):
            raise BatchOutputError(job_id, "the input file repeats a custom_id")
        self._files: list[Path] = []
        self._file_of = array("h", [-1]) * len(custom_ids)
        self._offset_of = array("q", [0]) * len(custom_ids)

    def add_file(self, path: Path) -> None:
        number = len(self._files)
        self._files.append(path)
        offset = 0
        with path.open("rb") as lines:
            for line_number, line in enumerate(lines, start=1):
                if line.strip():
                    self._note(path, line_number, line, number, offset)
                offset += len(line)

    def _note(
        self, path: Path, line_number: int, line: bytes, file_number: int, offset: int
    ) -> None:
        custom_id = custom_id_of(line)
        if custom_id is None:
            _parse(self.job_id, path, line_number, line)  # raises when it is not JSON
            raise BatchOutputError(self.job_id, f"{path.name} line {line_number} has no custom_id")
        index = self._position.get(custom_id)
        if index is None:
            raise BatchOutputError(
                self.job_id,
                f"{path.name} line {line_number} answers "
                f"custom_id {custom_id!r}, which is not in the input",
            )
        if self._file_of[index] != -1:
            raise BatchOutputError(self.job_id, f"custom_id {custom_id!r} is answered twice")
        self._file_of[index] = file_number
        self._offset_of[index] = offset

    def missing(self) -> int:
        """How many inputs no file answers."""
        return self._file_of.count(-1)

    def items(self, *, not_run: tuple[str, str] | None) -> Iterator[ResultItem]:
        """Every input's outcome in input order. An input no file answers is an error with
        ``not_run`` (code, message) as reason; with ``None`` it raises ``BatchOutputError``
        (a completed batch must answer every request)."""
        if not_run is None and self.missing():
            first = self.custom_ids[self._file_of.index(-1)]
            raise BatchOutputError(
                self.job_id,
                f"{self.missing()} of {len(self.custom_ids)} "
                f"requests are in neither the output nor the error file "
                f"(first: {first!r})",
            )
        handles: list[IO[bytes]] = [path.open("rb") for path in self._files]
        try:
            for index, custom_id in enumerate(self.custom_ids):
                position = self.first_index + index
                file_number = self._file_of[index]
                if file_number == -1:
                    assert not_run is not None
                    yield ResultItem(
                        position,
                        custom_id,
                        None,
                        BatchItemError(custom_id, position, not_run[1], code=not_run[0]),
                    )
                    continue
                handle = handles[file_number]
                handle.seek(self._offset_of[index])
                line = handle.readline()
                record = _parse(self.job_id, self._files[file_number], None, line)
                if record.get("custom_id") != custom_id:
                    raise BatchOutputError(
                        self.job_id,
                        f"the line found for {custom_id!r} answers {record.get('custom_id')!r}",
                    )
                yield _item(position, custom_id, record)
        finally:
            for handle in handles:
                handle.close()


def _parse(job_id: str, path: Path, line_number: int | None, line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError as err:
        where = f"line {line_number}" if line_number else "a line"
        raise BatchOutputError(
            job_id, f"{path.name} {where} is not JSON ({err}): {line[:120]!r}"
        ) from err
    if not isinstance(record, dict):
        raise BatchOutputError(job_id, f"{path.name} holds a line that is not a JSON object")
    return record


def _item(index: int, custom_id: str, record: dict[str, Any]) -> ResultItem:
    response = record.get("response") or {}
    error = record.get("error")
    status = response.get("status_code")
    body = response.get("body")
    if not error and status == 200 and isinstance(body, dict):
        return ResultItem(index, custom_id, body, None)
    if isinstance(error, dict):
        message, code = str(error.get("message") or "no message"), error.get("code")
    else:
        detail = body.get("error") if isinstance(body, dict) else None
        detail = detail if isinstance(detail, dict) else {}
        message = str(detail.get("message") or body or "no answer")
        code = detail.get("code")
    return ResultItem(
        index,
        custom_id,
        None,
        BatchItemError(custom_id, index, message, status_code=status, code=code, body=body),
    )
