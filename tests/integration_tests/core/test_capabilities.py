"""Per-model capabilities: the catalog, the live list, and the sanitizer deciding per model."""

from __future__ import annotations

import openai
import pytest

from kluster_integrations.core.contract import ModelInfo
from kluster_integrations.core.errors import ImageInputNotSupportedError
from kluster_integrations.core.models import (
    capabilities_of,
    refresh_capabilities,
    reset_catalog,
    tool_models,
    use_catalog,
    vision_models,
)
from kluster_integrations.core.request import sanitize_request
from kluster_integrations.core.tools import model_capabilities, plan_request
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator

TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
VISION_MODEL = "google/gemma-3-27b-it"
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
HISTORY = [
    {"role": "user", "content": "hi"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "ok"},
]
IMAGE = {
    "role": "user",
    "content": [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
    ],
}


@pytest.fixture(autouse=True)
def _builtin_catalog():
    reset_catalog()
    yield
    reset_catalog()


def test_the_four_tool_models_of_the_model_table() -> None:
    # kluster-ai/docs model table of 2025-07-01, Tools column.
    assert tool_models() == sorted(
        [
            "deepseek-ai/DeepSeek-V3-0324",
            "klusterai/Meta-Llama-3.1-8B-Instruct-Turbo",
            "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
            "Qwen/Qwen3-235B-A22B-FP8",
        ],
        key=str.lower,
    )
    assert "reasoning" in capabilities_of("Qwen/Qwen3-235B-A22B-FP8")
    assert VISION_MODEL in vision_models() and TOOL_MODEL not in vision_models()
    assert capabilities_of("ft:klusterai/Meta-Llama-3.1-8B-Instruct-Turbo:mine") == frozenset()


def test_tools_and_tool_history_pass_on_a_tool_model_only() -> None:
    request = {
        "messages": HISTORY,
        "tools": [TOOL],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
    }
    kept = sanitize_request({"model": TOOL_MODEL, **request}).request
    assert kept["tools"] == [TOOL] and kept["tool_choice"] == "auto"
    assert kept["parallel_tool_calls"] is False
    assert [m["role"] for m in kept["messages"]] == ["user", "assistant", "tool"]
    assert contract_violations(kept) == []

    cleaned = sanitize_request({"model": TEXT_MODEL, **request}).request
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & set(cleaned)
    assert [m["role"] for m in cleaned["messages"]] == ["user", "assistant", "user"]
    assert contract_violations(cleaned) == []
    assert {name for name, _ in contract_violations({"model": TEXT_MODEL, **request})} >= {
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "messages[1].tool_calls",
    }


def test_tool_choice_without_tools_is_dropped_even_on_a_tool_model() -> None:
    result = sanitize_request(
        {"model": TOOL_MODEL, "messages": [], "tool_choice": "required"},
        user_chosen={"tool_choice"},
        policy="drop",
    )
    assert "tool_choice" not in result.request
    assert result.refused == ("tool_choice",)
    assert contract_violations({"model": TOOL_MODEL, "messages": [], "tool_choice": "auto"})


def test_the_tool_calling_mode_overrides_the_catalog() -> None:
    assert "tools" in model_capabilities("native", "ft:my-model")
    assert "tools" not in model_capabilities("prompt", TOOL_MODEL)
    assert "tools" not in model_capabilities("off", TOOL_MODEL)
    request, caps, plan = plan_request(
        {"model": "ft:my-model", "messages": [], "tools": [TOOL]}, "native"
    )
    assert plan is None
    assert sanitize_request(request, capabilities=caps).request["tools"] == [TOOL]


def test_images_only_to_vision_models() -> None:
    assert sanitize_request({"model": VISION_MODEL, "messages": [IMAGE]}).request["messages"]
    with pytest.raises(ImageInputNotSupportedError, match=VISION_MODEL) as info:
        sanitize_request({"model": TEXT_MODEL, "messages": [IMAGE]}, policy="drop")
    assert info.value.where == ("messages[0]",)
    assert contract_violations({"model": TEXT_MODEL, "messages": [IMAGE]})[0][0] == "messages[0]"
    assert contract_violations({"model": VISION_MODEL, "messages": [IMAGE]}) == []


def test_the_live_list_refreshes_capabilities(kluster_emulator: KlusterEmulator) -> None:
    client = openai.OpenAI(base_url=kluster_emulator.base_url, api_key=EMULATOR_API_KEY)
    catalog = refresh_capabilities(client)
    assert {m for m, info in catalog.items() if info.supports("tools")} == set(tool_models())
    use_catalog([ModelInfo("ft:new-tool-model", 8000, 1000, frozenset({"tools", "vision"}))])
    assert "tools" in capabilities_of("ft:new-tool-model")
    assert sanitize_request(
        {"model": "ft:new-tool-model", "messages": [IMAGE], "tools": [TOOL]}
    ).request["tools"] == [TOOL]
    reset_catalog()
    assert capabilities_of("ft:new-tool-model") == frozenset()
