"""The probe tells a user with a key when kluster.ai's live prices differ from the built-in
table: one ``prices`` check per model, ``drift`` naming the model and the figures."""

from __future__ import annotations

import pytest
from openai import OpenAI

from kluster_integrations.core.contract import KNOWN_MODELS, KNOWN_PRICES
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.probe.__main__ import EXIT_DRIFT, main
from kluster_integrations.probe._plan import PROBE_MODEL
from kluster_integrations.probe._prices import price_checks
from kluster_integrations.probe._report import Check

LLAMA_70B = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"


def checks(emulator: KlusterEmulator) -> dict[str, Check]:
    with OpenAI(base_url=emulator.base_url, api_key=EMULATOR_API_KEY, max_retries=0) as client:
        return {check.model: check for check in price_checks(client)}


def test_the_emulator_s_prices_are_the_built_in_ones(kluster_emulator: KlusterEmulator) -> None:
    found = checks(kluster_emulator)
    assert set(found) == set(KNOWN_PRICES)
    assert {m for m, c in found.items() if c.status == "ok"} == set(KNOWN_PRICES) & set(
        KNOWN_MODELS
    )
    retired = found["deepseek-ai/DeepSeek-R1"]
    assert (retired.status, retired.observed) == ("note", "no prices")
    assert found[LLAMA_70B].expected == (
        "real-time 0.7/0.7, 24h 0.2/0.2, 48h 0.18/0.18, 72h 0.15/0.15"
    )
    assert [r.path for r in kluster_emulator.requests] == ["/v1/models"]


def test_a_changed_price_is_drift_and_a_new_one_a_note(kluster_emulator: KlusterEmulator) -> None:
    kluster_emulator.settings.listing_changes = {
        LLAMA_70B: {
            "pricing": {
                "realtime": {"input": 9e-7, "output": 7e-7},
                "asynchronous": {"24h": {"input": 2e-7, "output": 2e-7}},
            }
        },
        PROBE_MODEL: {"pricing": {"realtime": {"input": 1e-7, "output": 1e-7}}},
    }
    found = checks(kluster_emulator)
    drift = found[LLAMA_70B]
    assert drift.status == "drift"
    assert "real-time: built-in 0.7/0.7, live 0.9/0.7" in drift.detail
    assert "48h: the live list gives none" in drift.detail
    assert "24h:" not in drift.detail  # unchanged
    assert (found[PROBE_MODEL].status, found[PROBE_MODEL].observed) == ("note", "real-time 0.1/0.1")


def test_the_cli_exits_with_drift_on_a_changed_price(
    kluster_env: KlusterEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    kluster_env.settings.listing_changes = {
        LLAMA_70B: {"pricing": {"realtime": {"input": 9e-7, "output": 9e-7}}}
    }
    assert main(["--models", PROBE_MODEL]) == EXIT_DRIFT
    text = capsys.readouterr().out
    assert "DRIFT    prices" in text and LLAMA_70B in text
    assert "_prices.py" in text
