"""Parameters kluster.ai refuses: warned once and dropped, or refused in strict mode."""

from __future__ import annotations

import warnings

import pytest
from llama_index.core.llms import ChatMessage
from pydantic import BaseModel

from kluster_integrations.core.errors import (
    InvalidRequestError,
    UnsupportedParameterError,
    UnsupportedParameterWarning,
)
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM

from .conftest import assert_contract_kept

HI = [ChatMessage(role="user", content="hi")]


class Fact(BaseModel):
    subject: str
    detail: str


def test_additional_kwargs_are_dropped_with_one_warning_each(
    kluster_env: KlusterEmulator,
) -> None:
    llm = KlusterLLM(additional_kwargs={"tool_choice": "required", "store": True, "top_p": 0.5})
    with pytest.warns(UnsupportedParameterWarning) as first:
        llm.chat(HI)
    dropped = [w for w in first if issubclass(w.category, UnsupportedParameterWarning)]
    assert sorted(str(w.message).split("`")[1] for w in dropped) == ["store", "tool_choice"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm.chat(HI)  # same parameters again: no second warning
    bodies = kluster_env.chat_requests()
    assert len(bodies) == 2
    assert all(body["top_p"] == 0.5 for body in bodies)  # accepted parameters stay
    assert_contract_kept(kluster_env)


def test_per_call_parameter_warns(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    with pytest.warns(UnsupportedParameterWarning, match="service_tier"):
        llm.complete("hi", service_tier="flex")
    assert_contract_kept(kluster_env)


def test_strict_mode_refuses_additional_kwargs_before_sending(
    kluster_env: KlusterEmulator,
) -> None:
    with pytest.raises(UnsupportedParameterError) as caught:
        KlusterLLM(
            model="mistralai/Mistral-Nemo-Instruct-2407",  # no native tools
            strict_parameters=True,
            additional_kwargs={"n": 2, "tools": [{"x": 1}]},
        )
    assert set(caught.value.parameters) == {"n", "tools"}
    assert kluster_env.requests == []


async def test_strict_mode_refuses_per_call_parameters(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(strict_parameters=True)
    with pytest.raises(UnsupportedParameterError, match="parallel_tool_calls"):
        await llm.achat(HI, parallel_tool_calls=True)
    with pytest.raises(UnsupportedParameterError, match="stream_options"):
        async for _ in await llm.astream_chat(HI, stream_options={"include_usage": True}):
            pass
    assert kluster_env.chat_requests() == []


def test_strict_mode_still_renames_max_tokens(kluster_env: KlusterEmulator) -> None:
    KlusterLLM(strict_parameters=True, max_tokens=9).complete("hi")
    assert kluster_env.chat_requests()[0]["max_completion_tokens"] == 9


def test_neutral_values_are_dropped_quietly_even_in_strict_mode(
    kluster_env: KlusterEmulator,
) -> None:
    llm = KlusterLLM(strict_parameters=True, additional_kwargs={"n": 1, "store": False})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm.complete("hi")
    assert_contract_kept(kluster_env)


def test_what_llama_index_adds_itself_is_not_blamed_on_the_user(
    kluster_env: KlusterEmulator,
) -> None:
    from llama_index.core.prompts import PromptTemplate

    llm = KlusterLLM(strict_parameters=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fact = llm.structured_predict(
            Fact, PromptTemplate("A fact about {topic}."), topic="kluster.ai"
        )
    assert isinstance(fact, Fact)
    assert_contract_kept(kluster_env)


def test_bad_values_fail_before_sending(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(model="google/gemma-3-27b-it", max_tokens=100_000)
    with pytest.raises(InvalidRequestError, match="max_completion_tokens"):
        llm.complete("hi")
    assert kluster_env.chat_requests() == []


def test_extra_body_and_field_parameters_count_as_user_set(kluster_env: KlusterEmulator) -> None:
    llm = KlusterLLM(modalities=["text", "audio"])
    with pytest.warns(UnsupportedParameterWarning, match="modalities"):
        llm.chat(HI)
    with pytest.warns(UnsupportedParameterWarning, match="service_tier"):
        llm.chat(HI, extra_body={"service_tier": "flex"})
    with pytest.raises(UnsupportedParameterError, match=r"extra_body\.n"):
        KlusterLLM(strict_parameters=True).chat(HI, extra_body={"n": 2})
    with pytest.raises(UnsupportedParameterError, match="modalities"):
        KlusterLLM(strict_parameters=True, modalities=["text", "audio"])
    with pytest.raises(UnsupportedParameterError, match=r"extra_body\.service_tier"):
        KlusterLLM(
            strict_parameters=True, additional_kwargs={"extra_body": {"service_tier": "flex"}}
        )
    assert len(kluster_env.chat_requests()) == 2
    assert_contract_kept(kluster_env)
