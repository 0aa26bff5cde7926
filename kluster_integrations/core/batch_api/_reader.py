"""Batch output and error files mapped back to input order by ``custom_id``.

Files are on disk; a first pass records where each ``custom_id``'s line is, a second reads
the lines in input order, so memory holds offsets (and the ids, compactly: ``_ids``), not
the answers. No line is read past
``max_line_bytes``. What the files get wrong for one request (no line, several lines, a
line that cannot be read or is too long) becomes that request's ``BatchOutputLineError``;
the other requests' results are unaffected. A line naming no request of the input (its
``custom_id`` unreadable, not UTF-8, or unknown) is reported with the requests left
without a line.

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
import reprlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kluster_integrations.core.batch_api._ids import CustomIds, IdPositions
from kluster_integrations.core.contract import DEFAULT_MAX_RESPONSE_BYTES
from kluster_integrations.core.errors import BatchItemError, BatchOutputError, BatchOutputLineError

_CUSTOM_ID = re.compile(rb'"custom_id"\s*:\s*"((?:[^"\\]|\\.)*)"')
#: Where an input's line is, besides a file number: none yet, several, one too long.
_MISSING, _REPEATED, _TOO_LONG = -1, -2, -3
#: Stray lines described in messages (the rest are only counted).
_STRAYS_SHOWN = 3
_SKIP_PIECE = 1 << 20
_EXCERPT = reprlib.Repr()
_EXCERPT.maxstring = _EXCERPT.maxother = 80


def custom_id_of(line: bytes) -> str | None:
    """The ``custom_id`` of a JSONL line, found without parsing the whole line. Raises
    ``ValueError`` (``UnicodeDecodeError`` among them) for one that is not UTF-8 or has a
    broken escape."""
    match = _CUSTOM_ID.search(line)
    if match is None:
        return None
    raw = match.group(1)
    return json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode()


def bounded_lines(handle: IO[bytes], limit: int) -> Iterator[tuple[int, int, bytes, int]]:
    """Each non-blank line's number, offset, first bytes (the whole line when it holds at
    most ``limit`` bytes, else ``limit + 1``) and full length; memory stays under ``limit``."""
    number = offset = 0
    while line := handle.readline(limit + 1):
        number += 1
        size = len(line)
        if size > limit and not line.endswith(b"\n"):
            while rest := handle.readline(_SKIP_PIECE):
                size += len(rest)
                if rest.endswith(b"\n"):
                    break
        if line.strip():
            yield number, offset, line, size
        offset += size


def read_custom_ids(path: Path, max_line_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> CustomIds:
    """The ``custom_id`` of every line of an input file, in order."""
    ids = CustomIds()
    with path.open("rb") as lines:
        for number, _, line, _ in bounded_lines(lines, max_line_bytes):
            try:
                found = custom_id_of(line)
            except ValueError:
                found = None
            if found is None:
                raise BatchOutputError(
                    path.name, f"input line {number} has no readable custom_id: {_excerpt(line)}"
                )
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

    def __init__(
        self,
        job_id: str,
        custom_ids: Sequence[str],
        first_index: int = 0,
        max_line_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.job_id = job_id
        self.first_index = first_index
        self.custom_ids = custom_ids
        self.max_line_bytes = max_line_bytes
        try:
            self._position = IdPositions(custom_ids)
        except ValueError as err:
            raise BatchOutputError(job_id, f"the input file repeats a custom_id ({err})") from err
        self._files: list[Path] = []
        self._file_of = array("h", [_MISSING]) * len(custom_ids)
        self._offset_of = array("q", [0]) * len(custom_ids)
        self._strays: list[str] = []
        self._stray_count = 0

    def add_file(self, path: Path) -> None:
        number = len(self._files)
        self._files.append(path)
        limit = self.max_line_bytes
        with path.open("rb") as handle:
            for line_number, offset, line, size in bounded_lines(handle, limit):
                try:
                    custom_id = custom_id_of(line)
                except ValueError as err:
                    detail = "not UTF-8" if isinstance(err, UnicodeDecodeError) else "unreadable"
                    self._stray(
                        f"{path.name} line {line_number}: its custom_id is {detail} "
                        f"({_excerpt(line)})"
                    )
                    continue
                index = None if custom_id is None else self._position.get(custom_id)
                if index is None:
                    reason = _unmatched(custom_id, line, size > limit, limit)
                    self._stray(f"{path.name} line {line_number} {reason}")
                else:
                    self._note(index, size > limit, number, offset)

    def _note(self, index: int, too_long: bool, file_number: int, at: int) -> None:
        if self._file_of[index] != _MISSING:
            self._file_of[index] = _REPEATED
        else:
            self._file_of[index] = _TOO_LONG if too_long else file_number
            self._offset_of[index] = at

    def _stray(self, description: str) -> None:
        self._stray_count += 1
        if len(self._strays) < _STRAYS_SHOWN:
            self._strays.append(description)

    def items(self, *, not_run: tuple[str, str] | None) -> Iterator[ResultItem]:
        """Every input's outcome in input order. An input no file answers is an error with
        ``not_run`` (code, message) as reason; with ``None`` (a completed batch must answer
        every request) it is a ``BatchOutputLineError`` (``missing_line``)."""
        handles: list[IO[bytes]] = [path.open("rb") for path in self._files]
        names = [path.name for path in self._files]
        try:
            for index, custom_id in enumerate(self.custom_ids):
                position = self.first_index + index
                file_number = self._file_of[index]
                if file_number >= 0:
                    handle = handles[file_number]
                    handle.seek(self._offset_of[index])
                    line = handle.readline(self.max_line_bytes + 1)
                    yield _item(position, custom_id, line, names[file_number])
                elif file_number == _MISSING and not_run is not None:
                    error = BatchItemError(custom_id, position, not_run[1], code=not_run[0])
                    yield ResultItem(position, custom_id, None, error)
                else:
                    yield _line_error(position, custom_id, *self._problem(file_number))
        finally:
            for handle in handles:
                handle.close()

    def _problem(self, file_number: int) -> tuple[str, str]:
        if file_number == _REPEATED:
            return (
                "duplicate_line",
                "more than one line of the output and error files answers it, so which "
                "answer is right is unknown",
            )
        if file_number == _TOO_LONG:
            return "line_too_large", f"its result line is over {self.max_line_bytes:,} bytes"
        message = "no line of the output or error file answers it"
        if self._stray_count:
            message += (
                f"; {self._stray_count} line(s) of the files name no request of the input, "
                f"perhaps this one ({'; '.join(self._strays)})"
            )
        return "missing_line", message


def _unmatched(custom_id: str | None, line: bytes, too_long: bool, limit: int) -> str:
    """Why a line whose custom_id was read matches no input."""
    if custom_id is not None:
        return f"answers custom_id {_EXCERPT.repr(custom_id)}, which is not in the input"
    if too_long:
        return f"is over {limit:,} bytes and names no custom_id in its first {limit:,}"
    try:
        json.loads(line)
    except ValueError:
        return f"is not JSON ({_excerpt(line)})"
    return f"has no custom_id ({_excerpt(line)})"


def _excerpt(line: bytes) -> str:
    return _EXCERPT.repr(line[:120])


def _line_error(index: int, custom_id: str, code: str, message: str) -> ResultItem:
    return ResultItem(index, custom_id, None, BatchOutputLineError(custom_id, index, message, code))


def _item(index: int, custom_id: str, line: bytes, file_name: str) -> ResultItem:
    try:
        record = json.loads(line)
    except ValueError as err:  # UnicodeDecodeError too
        return _line_error(
            index, custom_id, "unreadable_line", f"its line in {file_name} is not JSON ({err})"
        )
    if not isinstance(record, dict) or record.get("custom_id") != custom_id:
        return _line_error(
            index,
            custom_id,
            "unreadable_line",
            f"its line in {file_name} is not a result for it: {_excerpt(line)}",
        )
    response = record.get("response")
    response = response if isinstance(response, dict) else {}
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
