"""ChatKluster's identity for tracing and serialization; the key never shows."""

from __future__ import annotations

import pytest
from langchain_core.load import dumpd, dumps, loads

from kluster_integrations.langchain.chat_models import ChatKluster

SECRET = "sk-kluster-very-secret-value"


def test_llm_type_and_tracing_params() -> None:
    llm = ChatKluster(
        api_key=SECRET, model="deepseek-ai/DeepSeek-V3-0324", max_tokens=10, temperature=0.3
    )
    assert llm._llm_type == "kluster-chat"
    params = llm._get_ls_params(stop=["END"])
    assert params["ls_provider"] == "kluster"
    assert params["ls_model_name"] == "deepseek-ai/DeepSeek-V3-0324"
    assert params["ls_max_tokens"] == 10
    assert params["ls_temperature"] == 0.3
    assert params["ls_stop"] == ["END"]


@pytest.mark.filterwarnings("ignore:The function `loads` is in beta")
def test_serialization_round_trip_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = ChatKluster(
        api_key=SECRET,
        base_url="https://kluster.example/v1",
        temperature=0.1,
        strict_parameters=True,
    )
    assert llm.lc_secrets == {"openai_api_key": "KLUSTER_API_KEY"}
    assert ChatKluster.get_lc_namespace() == ["kluster_integrations", "langchain", "chat_models"]
    assert ChatKluster.is_lc_serializable()
    text = dumps(llm)
    assert SECRET not in text
    assert dumpd(llm)["kwargs"]["openai_api_key"]["id"] == ["KLUSTER_API_KEY"]
    monkeypatch.setenv("KLUSTER_API_KEY", SECRET)
    loaded = loads(
        text,
        valid_namespaces=["kluster_integrations"],
        allowed_objects=[ChatKluster],
        secrets_from_env=True,
    )
    assert isinstance(loaded, ChatKluster)
    assert loaded.openai_api_key.get_secret_value() == SECRET
    assert loaded.openai_api_base == "https://kluster.example/v1"
    assert loaded.strict_parameters is True
    assert loaded.temperature == 0.1


def test_key_is_not_in_repr_or_str() -> None:
    llm = ChatKluster(api_key=SECRET)
    assert SECRET not in repr(llm)
    assert SECRET not in str(llm)
    assert SECRET not in str(llm.model_dump())
