"""Where an account's limits come from: the options (checked, the strictest of the objects
alive), else the live list, else the tier (contract data), else none; and bad options
refused by every class with the option named, before anything is sent."""

from __future__ import annotations

import gc

import pytest

from kluster_integrations.core.contract import RATE_LIMIT_WINDOW, TIER_LIMITS, TIERS
from kluster_integrations.core.errors import (
    ConfigurationError,
    InvalidRateLimitError,
    KlusterError,
)
from kluster_integrations.core.rate_limits import (
    Declaration,
    ModelLimits,
    RateLimitSettings,
    account_of,
    model_limits,
    rate_limit_settings,
    reset_rate_limits,
    strictest,
)

MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
BAD_COUNTS = [0, -1, 2.5, 5.0, True, "5", [5]]


@pytest.fixture(autouse=True)
def _no_accounts():
    reset_rate_limits()
    yield
    reset_rate_limits()


@pytest.mark.parametrize("field", ["requests_per_minute", "max_concurrent_requests"])
@pytest.mark.parametrize("value", BAD_COUNTS, ids=repr)
def test_a_count_that_is_no_limit_is_refused_naming_its_field(field, value):
    with pytest.raises(InvalidRateLimitError) as caught:
        rate_limit_settings(**{field: value})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}={value!r} is not a rate limit")
    assert isinstance(caught.value, ConfigurationError | ValueError)


@pytest.mark.parametrize("value", ["gold", "", 1, "trial tier"], ids=repr)
def test_an_unknown_tier_is_refused_with_the_tiers_listed(value):
    with pytest.raises(InvalidRateLimitError) as caught:
        rate_limit_settings(tier=value)
    assert caught.value.field == "tier"
    assert all(repr(tier) in str(caught.value) for tier in TIERS)


def test_tiers_are_read_in_any_case():
    assert rate_limit_settings(tier=" Trial ").tier == "trial"


def test_the_limits_of_one_model_come_explicit_then_live_then_tier():
    live = ModelLimits(requests=45, window=1.0, concurrent=7)
    trial = TIER_LIMITS["trial"]
    tier_only = rate_limit_settings(tier="trial")
    assert model_limits(tier_only, None) == ModelLimits(
        trial.requests_per_minute, RATE_LIMIT_WINDOW, trial.concurrent_requests
    )
    assert model_limits(tier_only, live) == live
    explicit = rate_limit_settings(requests_per_minute=600, tier="trial")
    assert model_limits(explicit, live) == ModelLimits(600, RATE_LIMIT_WINDOW, 7)
    assert model_limits(RateLimitSettings(), None).is_off
    enterprise = model_limits(rate_limit_settings(tier="enterprise"), None)
    assert enterprise.requests is None
    assert enterprise.concurrent == TIER_LIMITS["enterprise"].concurrent_requests


def test_objects_on_one_account_ask_together_for_the_strictest():
    merged = strictest(
        [
            rate_limit_settings(requests_per_minute=600, tier="scale"),
            rate_limit_settings(requests_per_minute=100, max_concurrent_requests=9),
            rate_limit_settings(tier="core"),
        ]
    )
    assert merged == RateLimitSettings(100, 9, "core")


def test_an_account_follows_the_declarations_alive():
    account = account_of("key", "https://api.kluster.ai/v1")
    assert not account.is_limited
    strict = Declaration(rate_limit_settings(max_concurrent_requests=2))
    loose = Declaration(rate_limit_settings(max_concurrent_requests=8))
    account.declare(strict)
    account.declare(loose)
    assert account.limits_for(MODEL).concurrent == 2
    del strict
    gc.collect()
    assert account.limits_for(MODEL).concurrent == 8
    del loose
    gc.collect()
    assert not account.is_limited


def test_an_account_is_its_key_on_its_server():
    one = account_of("key", "https://api.kluster.ai/v1")
    assert account_of("key", "https://api.kluster.ai/v1/chat/completions") is one
    assert account_of("key", "https://api.kluster.ai:443/other") is one
    assert account_of("other-key", "https://api.kluster.ai/v1") is not one
    assert account_of("key", "http://127.0.0.1:8765/v1") is not one


def test_the_key_is_kept_only_as_a_digest():
    from kluster_integrations.core.rate_limits import _accounts

    account_of("sk-very-secret", "https://api.kluster.ai/v1")
    assert all(b"sk-very-secret" not in digest for digest, _ in _accounts._accounts)
    assert "sk-very-secret" not in repr(_accounts._accounts)


def test_live_limits_apply_per_model_and_explicit_ones_win():
    account = account_of("key", "https://api.kluster.ai/v1")
    account.use_live({MODEL: ModelLimits(requests=10, concurrent=3)})
    assert account.is_limited
    assert account.limits_for(MODEL) == ModelLimits(10, RATE_LIMIT_WINDOW, 3)
    assert account.limits_for("another/model").is_off
    assert account.limits_for(None).is_off  # uploads and polls have no live limits
    declared = Declaration(rate_limit_settings(max_concurrent_requests=1))
    account.declare(declared)
    assert account.limits_for(MODEL) == ModelLimits(10, RATE_LIMIT_WINDOW, 1)
    assert account.limits_for(None) == ModelLimits(None, RATE_LIMIT_WINDOW, 1)


def test_the_batch_cap_is_the_declared_tier_s():
    account = account_of("key", "https://api.kluster.ai/v1")
    assert account.max_batch_requests() is None
    trial = Declaration(rate_limit_settings(tier="trial"))
    account.declare(trial)
    assert account.max_batch_requests() == (TIER_LIMITS["trial"].max_batch_requests, "trial")


CLASSES = [
    ("kluster_integrations.langchain", "ChatKluster"),
    ("kluster_integrations.langchain", "KlusterEmbeddings"),
    ("kluster_integrations.llama_index", "KlusterLLM"),
    ("kluster_integrations.llama_index", "KlusterEmbedding"),
]


@pytest.mark.parametrize(("module", "name"), CLASSES, ids=lambda v: v.rsplit(".")[-1])
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("requests_per_minute", 0),
        ("requests_per_minute", 1.5),
        ("max_concurrent_requests", -3),
        ("max_concurrent_requests", "10"),
        ("tier", "premium"),
    ],
)
def test_every_class_refuses_a_bad_limit_before_sending(monkeypatch, module, name, option, value):
    import importlib

    monkeypatch.setenv("KLUSTER_API_KEY", "a-key")  # sockets are blocked: nothing is sent
    cls = getattr(importlib.import_module(module), name)
    with pytest.raises(InvalidRateLimitError) as caught:
        cls(**{option: value})
    assert caught.value.field == option
    assert isinstance(caught.value, KlusterError)


@pytest.mark.parametrize(("module", "name"), CLASSES, ids=lambda v: v.rsplit(".")[-1])
def test_every_class_keeps_its_limits_as_fields(monkeypatch, module, name):
    import importlib

    monkeypatch.setenv("KLUSTER_API_KEY", "a-key")
    cls = getattr(importlib.import_module(module), name)
    model = cls(requests_per_minute=60, max_concurrent_requests=4, tier="Core")
    assert (model.requests_per_minute, model.max_concurrent_requests, model.tier) == (
        60,
        4,
        "core",
    )
    assert cls().tier is None
