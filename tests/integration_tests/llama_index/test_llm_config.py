"""KlusterLLM construction: defaults, key handling, catalog metadata."""

from __future__ import annotations

import warnings

import pytest

from kluster_integrations.core.contract import (
    DEFAULT_BASE_URL,
    DEFAULT_CHAT_MODEL,
    FALLBACK_CONTEXT_WINDOW,
    FALLBACK_MAX_OUTPUT,
)
from kluster_integrations.core.errors import (
    MissingAPIKeyError,
    ToolCallingNotSupportedError,
    UnknownModelWarning,
)
from kluster_integrations.core.models import lookup_model
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM


def test_defaults_come_from_the_environment(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM()
    assert llm.model == DEFAULT_CHAT_MODEL
    assert llm.api_base == kluster_env.base_url
    assert KlusterLLM.class_name() == "KlusterLLM"


def test_public_endpoint_is_the_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLUSTER_BASE_URL", raising=False)
    monkeypatch.setenv("KLUSTER_API_KEY", "any")
    assert KlusterLLM().api_base == DEFAULT_BASE_URL


def test_missing_key_fails_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLUSTER_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "an-openai-key-must-not-be-used")
    with pytest.raises(MissingAPIKeyError, match="KLUSTER_API_KEY"):
        KlusterLLM()


@pytest.mark.parametrize(
    "model",
    [
        "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
        "google/gemma-3-27b-it",
        "Qwen/Qwen3-235B-A22B-FP8",
    ],
)
def test_metadata_comes_from_the_catalog(kluster_env: KlusterEmulator, model: str) -> None:
    info = lookup_model(model)
    assert info is not None
    metadata = KlusterLLM(model=model).metadata
    assert metadata.context_window == info.context_window
    assert 0 < metadata.num_output <= info.max_output_tokens
    assert metadata.num_output <= metadata.context_window // 4
    assert metadata.is_chat_model is True
    assert metadata.is_function_calling_model is True  # native or prompted tools
    assert KlusterLLM(model=model, tool_calling="off").metadata.is_function_calling_model is False
    assert metadata.model_name == model


def test_max_tokens_and_context_window_override_the_catalog(kluster_env: KlusterEmulator) -> None:
    metadata = KlusterLLM(max_tokens=321, context_window=32_000).metadata
    assert (metadata.num_output, metadata.context_window) == (321, 32_000)


def test_unknown_model_warns_and_uses_conservative_limits(kluster_env: KlusterEmulator) -> None:
    with pytest.warns(UnknownModelWarning, match="ft:my-org:custom"):
        llm = KlusterLLM(model="ft:my-org:custom")
    assert llm.metadata.context_window == FALLBACK_CONTEXT_WINDOW
    assert llm.metadata.num_output == FALLBACK_MAX_OUTPUT
    assert llm.complete("hello").text  # the emulator serves ft: ids
    assert kluster_env.chat_requests()[0]["model"] == "ft:my-org:custom"


def test_known_model_does_not_warn(kluster_env: KlusterEmulator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KlusterLLM(model="deepseek-ai/DeepSeek-V3-0324")


def test_embeddings_model_is_refused_as_llm(kluster_env: KlusterEmulator) -> None:
    with pytest.raises(ValueError, match="embeddings model, not a chat model"):
        KlusterLLM(model="BAAI/bge-m3")


def test_tool_calling_off_names_the_alternatives(kluster_env: KlusterEmulator) -> None:
    with pytest.raises(ToolCallingNotSupportedError, match="ReActAgent"):
        KlusterLLM(tool_calling="off").chat_with_tools([], user_msg="hi")
    assert kluster_env.requests == []
