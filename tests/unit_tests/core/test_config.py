from __future__ import annotations

import pytest

from kluster_integrations.core.contract import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL
from kluster_integrations.core.errors import MissingAPIKeyError
from kluster_integrations.core.transport import resolve_api_key, resolve_base_url


def test_missing_key_names_the_variable_and_the_fix(monkeypatch):
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    with pytest.raises(MissingAPIKeyError) as info:
        resolve_api_key()
    assert "KLUSTER_API_KEY" in str(info.value)
    assert "api_key=" in str(info.value)
    assert info.value.env_var == API_KEY_ENV


def test_blank_key_counts_as_missing(monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, "   ")
    with pytest.raises(MissingAPIKeyError):
        resolve_api_key()


def test_explicit_key_wins_over_environment(monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    assert resolve_api_key("explicit") == "explicit"
    assert resolve_api_key() == "from-env"


def test_base_url_precedence(monkeypatch):
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    assert resolve_base_url() == DEFAULT_BASE_URL == "https://api.kluster.ai/v1"
    monkeypatch.setenv(BASE_URL_ENV, "http://localhost:9/v1/")
    assert resolve_base_url() == "http://localhost:9/v1"
    assert resolve_base_url("https://other/v1") == "https://other/v1"
