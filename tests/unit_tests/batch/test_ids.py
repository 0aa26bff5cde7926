"""``CustomIds`` and ``IdPositions``: a job's ids held compactly and found again by id."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kluster_integrations.core.batch_api._ids import CustomIds, IdPositions

ids_lists = st.lists(
    st.text(min_size=1, max_size=12) | st.integers(0, 30).map(lambda n: f"request-{n}"),
    max_size=30,
) | st.tuples(st.text(max_size=5), st.integers(0, 10**6), st.integers(0, 30)).map(
    lambda t: [f"{t[0]}{n}" for n in range(t[1], t[1] + t[2])]
)


@given(ids_lists)
def test_custom_ids_hold_what_was_appended(ids):
    held = CustomIds(ids)
    assert len(held) == len(ids) and list(held) == ids and held == ids
    assert [held[i] for i in range(len(ids))] == ids
    assert held[-len(ids) :] == ids[-len(ids) :] if ids else held[:] == []
    with pytest.raises(IndexError):
        held[len(ids)]


@given(ids_lists, st.text(max_size=12))
def test_positions_find_every_id_and_nothing_else(ids, other):
    for container in (ids, CustomIds(ids)):
        if len(set(ids)) != len(ids):
            with pytest.raises(ValueError, match="appears twice"):
                IdPositions(container)
            continue
        positions = IdPositions(container)
        assert [positions.get(i) for i in ids] == list(range(len(ids)))
        assert positions.get(other) == (ids.index(other) if other in ids else None)


@pytest.mark.parametrize(
    "missing", ["request-3", "request-03", "request--1", "request-", "request-٣", "x-1", ""]
)
def test_numbered_ids_find_no_id_outside_their_numbers(missing):
    positions = IdPositions(CustomIds(["request-0", "request-1", "request-2"]))
    assert positions.get("request-2") == 2
    assert positions.get(missing) is None


def test_numbered_ids_are_held_as_a_range_and_others_as_bytes():
    numbered = CustomIds(f"request-{n}" for n in range(5, 100_005))
    assert numbered.numbering is not None and numbered[0] == "request-5"
    numbered.append("odd-one")
    assert numbered.numbering is None and numbered[-1] == "odd-one"
    assert numbered[99_999] == "request-100004" and len(numbered) == 100_001


def test_ids_take_a_fraction_of_a_list():
    tracemalloc.start()
    numbered = CustomIds(f"request-{n}" for n in range(200_000))
    numbered_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    custom = CustomIds(f"doc{n:07d}x" for n in range(200_000))
    custom_bytes = tracemalloc.get_traced_memory()[0] - numbered_bytes
    tracemalloc.stop()
    assert len(numbered) == len(custom) == 200_000
    assert numbered_bytes < 10_000
    assert custom.numbering is None
    assert custom_bytes < 200_000 * 18  # 11 bytes of text and a 4-byte offset each
