"""Limits and reasoning read the catalog in use: once the live model list is loaded
(``use_catalog`` / ``refresh_capabilities``), a model's larger output limit and its reasoning
flag count, not the built-in table's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kluster_integrations.core.contract import KNOWN_MODELS, ModelInfo
from kluster_integrations.core.models import reset_catalog, use_catalog
from kluster_integrations.core.reasoning import resolve_reasoning_mode
from kluster_integrations.core.request import request_problems

MODEL = "google/gemma-3-27b-it"


@pytest.fixture(autouse=True)
def _built_in_catalog_afterwards() -> Iterator[None]:
    yield
    reset_catalog()


def request(tokens: int) -> dict[str, object]:
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": tokens,
    }


def test_token_limit_follows_the_live_catalog() -> None:
    built_in = KNOWN_MODELS[MODEL]
    over = built_in.max_output_tokens + 1000
    assert request_problems(request(over))  # above the built-in limit
    use_catalog([ModelInfo(MODEL, built_in.context_window, over, built_in.capabilities)])
    assert request_problems(request(over)) == []


def test_reasoning_mode_follows_the_live_catalog() -> None:
    built_in = KNOWN_MODELS[MODEL]
    assert resolve_reasoning_mode(MODEL, None) == "inline"
    use_catalog(
        [
            ModelInfo(
                MODEL,
                built_in.context_window,
                built_in.max_output_tokens,
                built_in.capabilities | {"reasoning"},
            )
        ]
    )
    assert resolve_reasoning_mode(MODEL, None) == "separate"


def test_one_lookup_a_model_only_the_live_list_knows_is_known() -> None:
    """``lookup_model`` / ``check_model`` and ``model_info`` read the same catalog: a model
    the live list added is no longer an unknown model."""
    import warnings

    from kluster_integrations.core.errors import UnknownModelWarning
    from kluster_integrations.core.models import check_model, lookup_model, model_info

    new = ModelInfo("vendor/New-Model-2026", 200_000, 16_000, frozenset({"tools"}))
    use_catalog([new])
    assert lookup_model(new.id) == model_info(new.id) == new
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownModelWarning)
        assert check_model(new.id, purpose="chat") == new
    reset_catalog()
    assert lookup_model(new.id) is None
    assert lookup_model(new.id, KNOWN_MODELS) is None
