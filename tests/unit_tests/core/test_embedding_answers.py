"""The embeddings answer check on plain data (the emulator tests in tests/reliability run it
through the four adapter paths)."""

from __future__ import annotations

import base64
import re
import struct

import pytest

from kluster_integrations.core.answer import checked_embedding_answer, embedding_input_problems
from kluster_integrations.core.errors import EmbeddingMismatchError, MalformedResponseError


def answer(*entries: tuple[int, list[float]]) -> dict:
    return {"data": [{"index": i, "embedding": v} for i, v in entries]}


def test_unknown_model_needs_equal_lengths_only() -> None:
    checked_embedding_answer(answer((0, [1.0, 2.0]), (1, [3.0, 4.0])), inputs=2, model="x/new")
    with pytest.raises(EmbeddingMismatchError, match="different dimensions"):
        checked_embedding_answer(answer((0, [1.0]), (1, [3.0, 4.0])), inputs=2, model="x/new")


def test_bge_m3_needs_1024_dimensions() -> None:
    with pytest.raises(EmbeddingMismatchError, match="1024"):
        checked_embedding_answer(answer((0, [1.0, 2.0])), inputs=1, model="BAAI/bge-m3")


def test_missing_index_with_the_right_count() -> None:
    with pytest.raises(EmbeddingMismatchError, match="indexes"):
        checked_embedding_answer(answer((0, [1.0]), (2, [1.0])), inputs=2, model="x/new")


def test_entries_are_ordered_by_index() -> None:
    got = checked_embedding_answer(answer((1, [2.0]), (0, [1.0])), inputs=2, model="x/new")
    assert [e["embedding"] for e in got["data"]] == [[1.0], [2.0]]


def test_token_id_inputs_are_one_input() -> None:
    assert embedding_input_problems("BAAI/bge-m3", [1, 2, 3]) == []


@pytest.mark.parametrize(
    ("vector", "problem"),
    [
        ([1.0, 10**400], "holds a number too large for a float at position 1"),
        ([0.5, False], "holds False at position 1"),
        ([0.5, "0.5"], "holds '0.5' at position 1"),
        ([0.5, [0.5]], "holds [0.5] at position 1"),
        ([float("-inf"), 0.5], "holds -inf at position 0"),
        ("AAAA", "is str, not a list"),
    ],
    ids=["huge-int", "bool", "numeric-text", "nested", "minus-inf", "text"],
)
def test_a_vector_that_is_not_finite_numbers_is_named(vector: object, problem: str) -> None:
    with pytest.raises(MalformedResponseError, match=f"vector at index 1 {re.escape(problem)}"):
        checked_embedding_answer(
            {"data": [{"index": 0, "embedding": [1.0, 2.0]}, {"index": 1, "embedding": vector}]},
            inputs=2,
            model="x/new",
        )


def test_whole_numbers_and_huge_finite_sums_are_numbers() -> None:
    big = 1.5e308  # two of them sum past the float range; each is finite
    checked_embedding_answer(answer((0, [1, 2]), (1, [big, big])), inputs=2, model="x/new")


def test_base64_vectors_become_their_float32_numbers_in_place() -> None:
    packed = base64.b64encode(struct.pack("<2f", 0.5, -2.0)).decode()
    got = checked_embedding_answer(
        {"data": [{"index": 0, "embedding": packed}]}, inputs=1, model="x/new", decode_base64=True
    )
    assert got["data"][0]["embedding"] == [0.5, -2.0]
