"""A job's ``custom_id``\\ s held in little memory, and found again by id.

A list of a million ids costs about 75 MB (a string object each), a dict from id to
position as much again; results are read one at a time, so the ids were most of what
reading a large job held. ``CustomIds`` keeps numbered ids (``request-0``,
``request-1``... as the engine makes them) as their prefix, first number and count, and
any others as UTF-8 bytes end to end with 4-byte offsets (about 18 bytes an id of 14
characters). ``IdPositions`` finds an id's position: by its number, or with an
open-addressing table of 4-byte positions over any sequence of ids.

Example::

    ids = CustomIds(f"request-{n}" for n in range(3))
    ids[1], len(ids), list(ids)          # 'request-1', 3, ['request-0', ...]
    IdPositions(ids).get("request-2")    # 2 (None for an id not in ids)
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

#: Slots per id in ``IdPositions``' table, at least (a sparse table finds ids in fewer steps).
_SPARSENESS = 2
#: An id ending in a number written as ``str(int)`` writes it (no sign, no leading zero).
_NUMBERED = re.compile(r"(.*?)(0|[1-9][0-9]*)", re.DOTALL)


@dataclass
class _Numbering:
    """Ids ``prefix + str(first)``, ``prefix + str(first + 1)``... ``count`` of them."""

    prefix: str
    first: int
    count: int = 1

    def id(self, position: int) -> str:
        return f"{self.prefix}{self.first + position}"

    def position(self, custom_id: str) -> int | None:
        if not custom_id.startswith(self.prefix):
            return None
        digits = custom_id[len(self.prefix) :]
        if not (digits.isascii() and digits.isdigit()) or (digits[0] == "0" and digits != "0"):
            return None
        position = int(digits) - self.first
        return position if 0 <= position < self.count else None


class CustomIds(Sequence[str]):
    """``custom_id``\\ s in order, stored compactly; ``append`` adds one."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._numbering: _Numbering | None = None
        self._data = bytearray()
        self._ends = array("I")  # offsets into _data: ids come from files of under 4 GiB
        for custom_id in ids:
            self.append(custom_id)

    def append(self, custom_id: str) -> None:
        numbering = self._numbering
        if numbering is not None:
            if custom_id == f"{numbering.prefix}{numbering.first + numbering.count}":
                numbering.count += 1
                return
            self._numbering = None
            for position in range(numbering.count):
                self._store(numbering.id(position))
        elif not self._ends and (match := _NUMBERED.fullmatch(custom_id)):
            self._numbering = _Numbering(match.group(1), int(match.group(2)))
            return
        self._store(custom_id)

    def _store(self, custom_id: str) -> None:
        self._data += custom_id.encode()
        self._ends.append(len(self._data))

    @property
    def numbering(self) -> _Numbering | None:
        """How the ids are numbered, when they all are (``None``: stored one by one)."""
        return self._numbering

    def __len__(self) -> int:
        return self._numbering.count if self._numbering is not None else len(self._ends)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("custom_id index out of range")
        if self._numbering is not None:
            return self._numbering.id(index)
        start = self._ends[index - 1] if index else 0
        return self._data[start : self._ends[index]].decode()

    def __iter__(self) -> Iterator[str]:
        numbering = self._numbering
        if numbering is not None:
            prefix = numbering.prefix
            for number in range(numbering.first, numbering.first + numbering.count):
                yield f"{prefix}{number}"
            return
        data, start = self._data, 0
        for end in self._ends:
            yield data[start:end].decode()
            start = end

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        shown = ", ".join(repr(i) for i in self[:3])
        return f"CustomIds([{shown}{', ...' if len(self) > 3 else ''}], {len(self)} ids)"


class IdPositions:
    """Where each id of ``ids`` is; ``ValueError`` naming an id that appears twice."""

    def __init__(self, ids: Sequence[str]) -> None:
        self._ids = ids
        self._numbering = ids.numbering if isinstance(ids, CustomIds) else None
        if self._numbering is not None:
            return  # numbered ids are distinct, and found by their number
        size = 1
        while size < _SPARSENESS * len(ids):
            size *= 2
        self._mask = size - 1
        self._slots = array("i", [0]) * size  # position + 1; 0: empty
        for position, custom_id in enumerate(ids):
            slot = hash(custom_id) & self._mask
            while (taken := self._slots[slot]) != 0:
                if ids[taken - 1] == custom_id:
                    raise ValueError(f"custom_id {custom_id!r} appears twice")
                slot = (slot + 1) & self._mask
            self._slots[slot] = position + 1

    def get(self, custom_id: str) -> int | None:
        """The position of ``custom_id`` in the ids, or ``None``."""
        if self._numbering is not None:
            return self._numbering.position(custom_id)
        slot = hash(custom_id) & self._mask
        while (taken := self._slots[slot]) != 0:
            if self._ids[taken - 1] == custom_id:
                return taken - 1
            slot = (slot + 1) & self._mask
        return None
