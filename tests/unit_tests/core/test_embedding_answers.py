"""The embeddings answer check on plain data (the emulator tests in tests/reliability run it
through the four adapter paths)."""

from __future__ import annotations

import pytest

from kluster_integrations.core.embedding_answers import (
    checked_embedding_answer,
    embedding_input_problems,
)
from kluster_integrations.core.errors import EmbeddingMismatchError


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
