"""Stock LlamaIndex classes on the same emulator: what fails there is what the adapter fixes."""

from __future__ import annotations

import openai
import pytest
from llama_index.core.prompts import PromptTemplate
from llama_index.llms.openai import OpenAI
from llama_index.llms.openai_like import OpenAILike
from pydantic import BaseModel

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM


class Tier(BaseModel):
    name: str
    requests_per_minute: int


PROMPT = PromptTemplate("Describe the kluster.ai tier called {tier}.")


def _stock(emulator: KlusterEmulator, **kwargs: object) -> OpenAILike:
    return OpenAILike(
        model=DEFAULT_CHAT_MODEL,
        api_base=emulator.base_url,
        api_key=EMULATOR_API_KEY,
        is_chat_model=True,
        max_retries=0,
        **kwargs,
    )


def test_stock_openai_like_fails_where_kluster_llm_works(kluster_env: KlusterEmulator) -> None:
    with pytest.raises(openai.BadRequestError, match="max_tokens"):
        _stock(kluster_env, max_tokens=64).complete("hi")
    assert "max_tokens" in kluster_env.chat_requests()[-1]

    with pytest.raises(openai.BadRequestError, match="tool_choice"):
        _stock(kluster_env).structured_predict(Tier, PROMPT, tier="Core")
    assert "tool_choice" in kluster_env.chat_requests()[-1]

    kluster_env.reset()
    llm = KlusterLLM(max_tokens=64)
    assert llm.complete("hi").text
    assert isinstance(llm.structured_predict(Tier, PROMPT, tier="Core"), Tier)
    assert len(kluster_env.chat_requests()) == 2


def test_stock_openai_refuses_kluster_model_names(kluster_env: KlusterEmulator) -> None:
    stock = OpenAI(
        model=DEFAULT_CHAT_MODEL,
        api_base=kluster_env.base_url,
        api_key=EMULATOR_API_KEY,
        max_retries=0,
    )
    with pytest.raises(ValueError, match="Unknown model"):
        stock.complete("hi")
    assert kluster_env.chat_requests() == []
    assert KlusterLLM(model=DEFAULT_CHAT_MODEL).complete("hi").text
