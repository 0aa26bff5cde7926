from __future__ import annotations

from kluster_integrations.core.contract import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDING_MODEL,
    FALLBACK_CONTEXT_WINDOW,
    KNOWN_MODELS,
    ModelInfo,
)
from kluster_integrations.core.models import lookup_model, merge_catalog, model_from_listing


def test_defaults_are_in_the_catalog():
    assert lookup_model(DEFAULT_CHAT_MODEL).is_chat
    assert lookup_model(DEFAULT_EMBEDDING_MODEL).purpose == "embeddings"


def test_figures_from_the_docs():
    assert lookup_model("google/gemma-3-27b-it").max_output_tokens == 8_192
    assert (
        lookup_model("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8").context_window
        == 1_048_576
    )
    assert lookup_model("Qwen/Qwen3-235B-A22B-FP8").supports("reasoning")
    assert lookup_model("Qwen/Qwen2.5-VL-7B-Instruct").supports("vision")
    for info in KNOWN_MODELS.values():
        assert info.context_window > 0
        assert info.is_chat == (info.purpose == "chat")


def test_unknown_ids_are_not_rejected_just_unknown():
    assert lookup_model("ft:klusterai/Meta-Llama-3.1-8B-Instruct-Turbo:my-tune") is None


def test_listing_entry_fills_gaps_from_known_and_fallbacks():
    known = model_from_listing({"id": "google/gemma-3-27b-it"})
    assert known == KNOWN_MODELS["google/gemma-3-27b-it"]
    new = model_from_listing(
        {
            "id": "new/model",
            "context_length": 1000,
            "output_length": 100,
            "tools_supported": True,
            "reasoning_model": "optional",
            "tags": ["vision"],
        }
    )
    assert new == ModelInfo("new/model", 1000, 100, frozenset({"tools", "reasoning", "vision"}))
    bare = model_from_listing({"id": "bare/model"})
    assert bare.context_window == FALLBACK_CONTEXT_WINDOW


def test_merge_takes_the_live_entry_capabilities_included():
    live = [
        ModelInfo("google/gemma-3-27b-it", 32_000, 4_000, frozenset({"tools"})),
        ModelInfo("brand/new", 10, 10),
    ]
    merged = merge_catalog(KNOWN_MODELS, live)
    gemma = merged["google/gemma-3-27b-it"]
    assert (gemma.context_window, gemma.max_output_tokens) == (32_000, 4_000)
    assert gemma.capabilities == {"tools"}  # the live entry no longer lists vision
    assert "brand/new" in merged
    assert len(merged) == len(KNOWN_MODELS) + 1
