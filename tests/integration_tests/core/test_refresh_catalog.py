"""``refresh_catalog()``: one call loads the live model list (capabilities, token limits,
account limits, prices) for every class of the process, with the classes' environment
defaults; the emulator serves ``pricing`` and ``limits`` as kluster's OpenAPI schema of June
2025 describes them, so the live path runs offline."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import httpx
import openai
import pytest

from kluster_integrations import (
    KNOWN_PRICES,
    price_of,
    refresh_catalog,
    reset_prices,
    set_price,
)
from kluster_integrations.core.contract import KNOWN_MODELS
from kluster_integrations.core.errors import ModelListingWarning
from kluster_integrations.core.models import lookup_model, refresh_capabilities, reset_catalog
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM

LLAMA_70B = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
NEMO = "mistralai/Mistral-Nemo-Instruct-2407"


@pytest.fixture(autouse=True)
def _built_in_catalog() -> Iterator[None]:
    reset_catalog()
    reset_prices()
    yield
    reset_catalog()
    reset_prices()


def extended_listing(emulator: KlusterEmulator) -> dict[str, dict]:
    answer = httpx.get(
        f"{emulator.base_url}/models",
        params={"extended": "true"},
        headers={"Authorization": f"Bearer {EMULATOR_API_KEY}"},
    ).json()
    return {entry["id"]: entry for entry in answer["data"]}


def test_the_emulator_lists_prices_and_limits_as_the_schema_has_them(
    kluster_emulator: KlusterEmulator,
) -> None:
    listing = extended_listing(kluster_emulator)
    entry = listing[LLAMA_70B]
    assert entry["pricing"]["realtime"] == {"input": 0.70 / 1e6, "output": 0.70 / 1e6}
    assert set(entry["pricing"]["asynchronous"]) == {"24h", "48h", "72h"}
    assert "limits" not in entry  # no made-up account limits while none are enforced
    kluster_emulator.set_rate_limits(requests_per_minute=600, max_concurrent=5)
    assert set(extended_listing(kluster_emulator)[LLAMA_70B]["limits"]) >= {
        "concurrent_requests",
        "request_limit",
        "request_limit_time_unit",
    }
    assert "pricing" not in listing[NEMO]  # no known price: none listed, never 0
    priced = {model for model, e in listing.items() if "pricing" in e}
    assert priced == set(KNOWN_PRICES) & set(KNOWN_MODELS)


def test_refresh_catalog_loads_prices_and_limits_for_every_class(
    kluster_env: KlusterEmulator,
) -> None:
    kluster_env.settings.listing_changes = {
        LLAMA_70B: {
            "pricing": {
                "realtime": {"input": 1e-6, "output": 2e-6},
                "asynchronous": {"24h": {"input": 5e-7, "output": 5e-7}},
            },
            "limits": {
                "concurrent_requests": 7,
                "request_limit": 30,
                "request_limit_time_unit": "minute",
                "max_async_queue_size": 999,
            },
        },
        NEMO: {"pricing": {"realtime": {"input": 4e-8, "output": 4e-8}}},
    }
    catalog = refresh_catalog()  # KLUSTER_API_KEY / KLUSTER_BASE_URL, as the classes
    assert [r.path for r in kluster_env.requests] == ["/v1/models"]
    assert catalog[LLAMA_70B].limits.concurrent_requests == 7  # type: ignore[union-attr]
    assert price_of(LLAMA_70B).in_millions() == (1.0, 2.0)
    assert price_of(LLAMA_70B, "24h").in_millions() == (0.5, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the live list priced it: no UnpricedModelWarning
        assert price_of(NEMO).in_millions() == (0.04, 0.04)

    message = ChatKluster().invoke("Hi")
    usage = message.usage_metadata
    assert usage is not None
    expected = usage["input_tokens"] * 1e-6 + usage["output_tokens"] * 2e-6
    assert message.response_metadata["cost_usd"] == pytest.approx(expected)
    response = KlusterLLM(model=NEMO).complete("Hi")
    tokens = response.additional_kwargs["total_tokens"]
    assert response.additional_kwargs["cost_usd"] == pytest.approx(tokens * 4e-8)


def test_a_user_price_wins_over_the_live_list(kluster_env: KlusterEmulator) -> None:
    set_price(LLAMA_70B, input_per_million=3.0, output_per_million=3.0)
    refresh_catalog()
    assert price_of(LLAMA_70B).in_millions() == (3.0, 3.0)


def test_refresh_catalog_takes_a_key_and_url_of_its_own(
    kluster_emulator: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLUSTER_API_KEY", raising=False)
    monkeypatch.delenv("KLUSTER_BASE_URL", raising=False)
    kluster_emulator.set_rate_limits(requests_per_minute=600, max_concurrent=5)
    catalog = refresh_catalog(api_key=EMULATOR_API_KEY, base_url=kluster_emulator.base_url)
    assert catalog[LLAMA_70B].limits is not None
    assert len(kluster_emulator.requests) == 1


def test_refresh_capabilities_keeps_working_and_now_loads_prices_too(
    kluster_emulator: KlusterEmulator,
) -> None:
    kluster_emulator.settings.listing_changes = {
        LLAMA_70B: {"pricing": {"realtime": {"input": 2e-6, "output": 2e-6}}}
    }
    kluster_emulator.set_rate_limits(requests_per_minute=600, max_concurrent=5)
    client = openai.OpenAI(base_url=kluster_emulator.base_url, api_key=EMULATOR_API_KEY)
    refresh_capabilities(client)
    assert price_of(LLAMA_70B).in_millions() == (2.0, 2.0)
    assert lookup_model(LLAMA_70B).limits is not None  # type: ignore[union-attr]


def test_a_negative_price_from_the_server_is_refused_naming_the_model(
    kluster_env: KlusterEmulator,
) -> None:
    kluster_env.settings.listing_changes = {
        LLAMA_70B: {"pricing": {"realtime": {"input": -1e-6, "output": 1e-6}}}
    }
    with pytest.warns(ModelListingWarning, match=LLAMA_70B) as caught:
        refresh_catalog()
    assert [w.message.fields for w in caught] == [("pricing",)]  # type: ignore[union-attr]
    assert price_of(LLAMA_70B).in_millions() == (0.70, 0.70)
