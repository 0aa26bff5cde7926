"""A live model list that cannot be right never reaches the adapters: read over HTTP from the
emulator (``Settings.listing_changes`` drifts fields of ``GET /v1/models``; the
``listing_*`` hostile answers break the whole list), impossible values fall back to the
built-in ones with a ``ModelListingWarning``, a capability the list withdraws is gone in
both adapters, and an answer that is not a model list is ``MalformedResponseError``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import openai
import pytest
from langchain_core.tools import tool
from llama_index.core.tools import FunctionTool

from kluster_integrations.core.contract import KNOWN_MODELS, ModelInfo
from kluster_integrations.core.errors import MalformedResponseError, ModelListingWarning
from kluster_integrations.core.models import (
    capabilities_of,
    current_catalog,
    refresh_capabilities,
    reset_catalog,
)
from kluster_integrations.core.tools import TOOLS_HEADING
from kluster_integrations.emulator._hostile import LISTED_NEW_MODEL
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM

GEMMA = "google/gemma-3-27b-it"
TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"


@pytest.fixture(autouse=True)
def _built_in_catalog() -> Iterator[None]:
    reset_catalog()
    yield
    reset_catalog()


def refresh(emulator: KlusterEmulator) -> Mapping[str, ModelInfo]:
    return refresh_capabilities(
        openai.OpenAI(base_url=emulator.base_url, api_key=EMULATOR_API_KEY, max_retries=0)
    )


def test_impossible_values_fall_back_to_the_built_in_ones_in_both_adapters(
    kluster_env: KlusterEmulator,
) -> None:
    kluster_env.settings.listing_changes = {
        GEMMA: {"context_length": -5, "output_length": 0, "tags": "tools"},
        TOOL_MODEL: {"context_length": 50_000},  # drifted, but possible: used
    }
    with pytest.warns(ModelListingWarning) as caught:
        refresh(kluster_env)
    assert [(w.message.model, w.message.fields) for w in caught] == [  # type: ignore[union-attr]
        (GEMMA, ("context_length", "output_length", "tags"))
    ]
    built_in = KNOWN_MODELS[GEMMA]
    assert KlusterLLM(model=GEMMA).metadata.context_window == built_in.context_window
    assert KlusterLLM(model=TOOL_MODEL).metadata.context_window == 50_000
    profile = ChatKluster(model=GEMMA).profile or {}
    assert profile.get("max_input_tokens") == built_in.context_window
    assert profile.get("max_output_tokens") == built_in.max_output_tokens
    assert profile.get("image_inputs") is True
    assert capabilities_of(GEMMA) == built_in.capabilities


def test_a_value_that_echoes_the_key_is_masked_in_the_warning(
    kluster_emulator: KlusterEmulator,
) -> None:
    kluster_emulator.settings.listing_changes = {GEMMA: {"model_purpose": [EMULATOR_API_KEY]}}
    with pytest.warns(ModelListingWarning) as caught:
        refresh(kluster_emulator)
    (warning,) = caught
    assert "model_purpose" in str(warning.message)
    assert EMULATOR_API_KEY not in str(warning.message)


@tool
def get_weather(city: str) -> str:
    """The weather in ``city``."""
    return f"Sunny in {city}."


def weather(city: str) -> str:
    """The weather in ``city``."""
    return f"Sunny in {city}."


def ask_langchain() -> None:
    ChatKluster(model=TOOL_MODEL, max_retries=0).bind_tools([get_weather]).invoke(
        "Weather in Paris?"
    )


def ask_llama_index() -> None:
    KlusterLLM(model=TOOL_MODEL, max_retries=0).chat_with_tools(
        [FunctionTool.from_defaults(fn=weather)], user_msg="Weather in Paris?"
    )


@pytest.mark.parametrize("ask", [ask_langchain, ask_llama_index], ids=["langchain", "llama_index"])
def test_tools_the_live_list_withdraws_are_not_sent_natively(
    ask: object, kluster_env: KlusterEmulator
) -> None:
    kluster_env.settings.listing_changes = {TOOL_MODEL: {"tools_supported": False}}
    refresh(kluster_env)
    assert "tools" not in capabilities_of(TOOL_MODEL)
    ask()  # type: ignore[operator]
    (request,) = kluster_env.chat_requests()
    assert "tools" not in request  # written into the prompt instead
    assert TOOLS_HEADING in str(request["messages"])


@pytest.mark.parametrize(
    "answer", ["html_page", "json_null", "json_list", "listing_data_not_a_list"]
)
def test_an_answer_that_is_not_a_model_list_is_a_typed_error(
    answer: str, kluster_emulator: KlusterEmulator
) -> None:
    kluster_emulator.add_fault(answer=answer, path="/v1/models")
    with pytest.raises(MalformedResponseError, match="model list") as caught:
        refresh(kluster_emulator)
    assert caught.value.status == 200
    assert current_catalog() is KNOWN_MODELS  # nothing half-read is used


def test_entries_that_describe_no_model_are_skipped(kluster_emulator: KlusterEmulator) -> None:
    kluster_emulator.add_fault(answer="listing_entries_not_objects", path="/v1/models")
    with pytest.warns(ModelListingWarning) as caught:
        catalog = refresh(kluster_emulator)
    assert len(caught) == 6
    assert catalog[LISTED_NEW_MODEL].context_window == 8192
    assert catalog[GEMMA] == KNOWN_MODELS[GEMMA]
