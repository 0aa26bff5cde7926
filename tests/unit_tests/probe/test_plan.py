"""The probe's default plan is cheap but still sees every per-model rule both ways."""

from __future__ import annotations

from kluster_integrations.core.contract import KNOWN_MODELS, VERIFY_MODEL
from kluster_integrations.probe._plan import ALL_MODELS, plan, representative_models


def test_default_models_cover_each_capability_both_ways() -> None:
    chosen = [KNOWN_MODELS[model] for model in representative_models()]
    assert {info.supports("tools") for info in chosen} == {True, False}
    assert {info.supports("vision") for info in chosen} == {True, False}
    assert len(chosen) < len([info for info in KNOWN_MODELS.values() if info.is_chat])


def test_per_model_probes_go_to_the_representatives_unless_all_are_asked_for() -> None:
    """Every chat model but the hallucination checker, which has probes of its own."""
    chat_models = {info.id for info in KNOWN_MODELS.values() if info.is_chat} - {VERIFY_MODEL}
    default = {p.model for p in plan() if p.rule in ("tools per model", "images per model")}
    every = {
        p.model
        for p in plan(models=ALL_MODELS)
        if p.rule in ("tools per model", "images per model")
    }
    assert default == set(representative_models())
    assert every == chat_models


def test_verify_has_its_own_probes() -> None:
    verify = [p for p in plan(models=[]) if p.model == VERIFY_MODEL]
    assert {p.endpoint for p in verify} == {"verify", "chat"}
    assert {p.expected for p in verify} == {"accepted", "refused"}
