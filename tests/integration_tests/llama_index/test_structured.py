"""Structured output: JSON asked for in the prompt, validated against the Pydantic model."""

from __future__ import annotations

import json

import pytest
from llama_index.core import VectorStoreIndex
from llama_index.core.llms import ChatMessage
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel, Field

from kluster_integrations.core.errors import StructuredOutputError
from kluster_integrations.core.tools import SCHEMA_HEADING
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM

from .conftest import assert_contract_kept, user_texts

PROMPT = PromptTemplate("Describe the kluster.ai tier called {tier}.")


class Tier(BaseModel):
    """A kluster.ai account tier."""

    name: str
    requests_per_minute: int = Field(description="Rate limit")


def _asked_for_schema(emulator: KlusterEmulator) -> None:
    bodies = emulator.chat_requests()
    assert len(bodies) == 1
    assert SCHEMA_HEADING in user_texts(bodies[0])
    assert "requests_per_minute" in user_texts(bodies[0])
    assert_contract_kept(emulator)


def test_structured_predict(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies({"name": "Core", "requests_per_minute": 600})
    tier = llm.structured_predict(Tier, PROMPT, tier="Core")
    assert tier == Tier(name="Core", requests_per_minute=600)
    _asked_for_schema(kluster_env)
    assert PROMPT.output_parser is None  # the caller's prompt is left as it was


async def test_astructured_predict(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies('Sure!\n```json\n{"name": "Scale", "requests_per_minute": 1200}\n```')
    tier = await llm.astructured_predict(Tier, PROMPT, tier="Scale")
    assert tier == Tier(name="Scale", requests_per_minute=1200)
    _asked_for_schema(kluster_env)


def test_stream_structured_predict(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies(json.dumps({"name": "Trial", "requests_per_minute": 30}))
    partials = list(llm.stream_structured_predict(Tier, PROMPT, tier="Trial"))
    assert Tier.model_validate(partials[-1].model_dump()) == Tier(
        name="Trial", requests_per_minute=30
    )
    assert kluster_env.chat_requests()[0]["stream"] is True
    assert SCHEMA_HEADING in user_texts(kluster_env.chat_requests()[0])  # not response_format
    assert_contract_kept(kluster_env)


def test_as_structured_llm(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    structured = llm.as_structured_llm(Tier)
    response = structured.chat([ChatMessage(role="user", content="Describe the Core tier.")])
    assert isinstance(response.raw, Tier)  # the emulator answered the schema with valid JSON
    _asked_for_schema(kluster_env)


def test_query_engine_with_output_cls(
    index: VectorStoreIndex, llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    engine = index.as_query_engine(llm=llm, output_cls=Tier, similarity_top_k=1)
    response = engine.query("What are the limits of the Core tier?")
    assert isinstance(response.response, Tier)
    body = kluster_env.chat_requests()[0]
    assert SCHEMA_HEADING in user_texts(body) and "600 requests per minute" in user_texts(body)
    assert_contract_kept(kluster_env)


def test_reply_without_json_is_a_clear_error(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("The Core tier allows 600 requests a minute.")
    with pytest.raises(StructuredOutputError, match="no JSON") as caught:
        llm.structured_predict(Tier, PROMPT, tier="Core")
    assert caught.value.text == "The Core tier allows 600 requests a minute."


async def test_json_of_the_wrong_shape_is_a_clear_error(
    llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    kluster_env.queue_replies({"name": "Core", "requests_per_minute": "lots"})
    with pytest.raises(StructuredOutputError, match=r"does not match Tier.*requests_per_minute"):
        await llm.astructured_predict(Tier, PROMPT, tier="Core")
