"""The API key never shows in repr, str, serialized objects, logs or exceptions."""

from __future__ import annotations

import json
import logging

import openai
import pytest

from kluster_integrations.emulator._hostile import KEY_ECHOES
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM

SECRET = "kluster-secret-0123456789"
#: A key JSON writes differently: ``/`` may become ``\\/``, ``"`` becomes ``\\"``.
SLASHED_SECRET = 'kluster/secret"0123+456789'


@pytest.fixture
def secret_env(kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch) -> KlusterEmulator:
    monkeypatch.setenv("KLUSTER_API_KEY", SECRET)
    return kluster_env


@pytest.mark.parametrize("make", [KlusterLLM, KlusterEmbedding])
def test_key_is_not_in_any_rendering(secret_env: KlusterEmulator, make: type) -> None:
    component = make()
    assert component.api_key == SECRET  # it is there, just never shown
    renderings = [
        repr(component),
        str(component),
        json.dumps(component.to_dict()),
        component.to_json(),
        component.model_dump_json(),
        repr(component.dict()),
    ]
    for text in renderings:
        assert SECRET not in text


@pytest.mark.parametrize("make", [KlusterLLM, KlusterEmbedding])
def test_round_trip_takes_the_key_from_the_environment(
    secret_env: KlusterEmulator, make: type
) -> None:
    restored = make.from_dict(make().to_dict())
    assert type(restored) is make and restored.api_key == SECRET


def test_key_is_not_logged(secret_env: KlusterEmulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    KlusterLLM(max_tokens=8, additional_kwargs={"n": 1}).complete("hi")
    KlusterEmbedding().get_text_embedding("hi")
    assert caplog.records  # openai, httpx and the adapter did log at debug level
    assert SECRET not in caplog.text


def test_key_is_not_in_errors(secret_env: KlusterEmulator) -> None:
    secret_env.settings.api_key = "the-only-accepted-key"
    with pytest.raises(openai.AuthenticationError) as caught:
        KlusterLLM(max_retries=0).complete("hi")
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)


@pytest.fixture
def slashed_env(kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch) -> KlusterEmulator:
    monkeypatch.setenv("KLUSTER_API_KEY", SLASHED_SECRET)
    return kluster_env


def _echoes(key: str) -> list[str]:
    """``key`` in each form a server may echo it, and as a repr shows those."""
    forms = [key, *(echo(key) for echo in KEY_ECHOES.values())]
    return forms + [form.replace("\\", "\\\\") for form in forms]


def test_key_echoed_in_headers_is_not_logged(
    slashed_env: KlusterEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slashed_env.add_fault(answer="echo_key_header", path=None, times=2)
    assert KlusterLLM(max_tokens=8).complete("hi").text == "Hello."
    assert KlusterEmbedding().get_text_embedding("hi")
    assert "x-echoed-key" in caplog.text.lower()
    for echoed in _echoes(SLASHED_SECRET):
        assert echoed not in caplog.text


@pytest.mark.parametrize("form", ["json_slash", "json_unicode", "url", "basic_user"])
def test_key_echoed_escaped_is_not_in_errors(slashed_env: KlusterEmulator, form: str) -> None:
    slashed_env.add_fault(answer=f"echo_key_401_{form}")
    with pytest.raises(openai.AuthenticationError) as caught:
        KlusterLLM(max_retries=0).complete("hi")
    shown = [str(caught.value), repr(caught.value), repr(caught.value.body)]
    shown.append(caught.value.response.text)
    for echoed in _echoes(SLASHED_SECRET):
        assert all(echoed not in text for text in shown)
