"""The contract-drift probe, run against the emulator: as kluster.ai should be, and drifted.

The emulator enforces the same contract data the probe reads, so on a default emulator the
probe must find no drift; ``Settings.accepts_anyway`` and ``Settings.stream_usage`` make an
emulator that contradicts the contract, and the probe must name exactly what moved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import MappingProxyType
from typing import Any

import pytest
from openai import OpenAI

from kluster_integrations.core.contract import (
    KNOWN_MODELS,
    VERIFY_MODEL,
    VERIFY_PROMPT_FORM,
    VERIFY_REQUIRED_FIELDS,
    ParameterRule,
)
from kluster_integrations.core.contract import _api as contract
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.emulator._state import VERIFY_PATH, Fault
from kluster_integrations.probe.__main__ import EXIT_DRIFT, EXIT_FAILED, EXIT_OK, main
from kluster_integrations.probe._plan import ALL_MODELS, PROBE_MODEL
from kluster_integrations.probe._report import ProbeReport
from kluster_integrations.probe._run import run_probe

CHAT_MODELS = [
    info.id for info in KNOWN_MODELS.values() if info.is_chat and not info.supports("verification")
]
VERIFY_RULES = {
    "verify answer with context",
    "verify search results",
    "verify messages form",
    *(f"verify empty {name}" for name in VERIFY_REQUIRED_FIELDS),
    "verify too few messages",
    "verify model on the chat endpoint",
}


def probe(emulator: KlusterEmulator, key: str = EMULATOR_API_KEY, **options: Any) -> ProbeReport:
    with OpenAI(base_url=emulator.base_url, api_key=key, max_retries=0) as client:
        return run_probe(client, **options)


def rules_of_the_contract() -> set[str]:
    return (
        {f"parameter {name}" for name in contract.UNSUPPORTED_PARAMETERS}
        | {f"embeddings parameter {name}" for name in contract.UNSUPPORTED_EMBEDDING_PARAMETERS}
        | {
            "baseline",
            "tools per model",
            "images per model",
            "usage in streams",
            "embedding dimensions",
            "temperature at the maximum",
            "temperature above the maximum",
        }
        | VERIFY_RULES
    )


def test_no_drift_on_the_emulator(kluster_emulator: KlusterEmulator) -> None:
    report = probe(kluster_emulator, models=ALL_MODELS)

    assert report.aborted is None
    assert report.drift == []
    assert {c.status for c in report.checks} <= {"ok", "note"}
    rules = {c.rule for c in report.checks}
    assert rules_of_the_contract() <= rules
    assert {r for r in rules if r.startswith("message field")} == {
        f"message field {'user' if 'user' in rule.roles else 'assistant'}.{name}"
        for name, rule in contract.UNSUPPORTED_MESSAGE_FIELDS.items()
    }
    for rule in ("tools per model", "images per model"):
        assert sorted(c.model for c in report.checks if c.rule == rule) == sorted(CHAT_MODELS)
    vision = {
        c.model for c in report.checks if c.rule == "images per model" and c.expected == "accepted"
    }
    assert vision == {m for m in CHAT_MODELS if KNOWN_MODELS[m].supports("vision")}


def test_what_went_over_the_wire_is_minimal_and_carries_each_rule(
    kluster_emulator: KlusterEmulator,
) -> None:
    report = probe(kluster_emulator, models=ALL_MODELS)
    sent = kluster_emulator.chat_requests()

    assert all(body["max_completion_tokens"] == 1 for body in sent)
    assert all("max_tokens" not in body for body in sent)
    for name in contract.UNSUPPORTED_PARAMETERS:
        assert any(
            name in body and body[name] not in contract.UNSUPPORTED_PARAMETERS[name].neutral
            for body in sent
        ), f"no probe sent a non-neutral {name}"
    for name in contract.UNSUPPORTED_MESSAGE_FIELDS:
        assert any(name in message for body in sent for message in body["messages"])
    tool_requests = [body["model"] for body in sent if "tools" in body]
    assert sorted(set(tool_requests)) == sorted(CHAT_MODELS)
    embeddings = kluster_emulator.embedding_requests()
    assert [sorted(body) for body in embeddings] == [
        ["encoding_format", "input", "model"],
        ["dimensions", "encoding_format", "input", "model"],
    ]
    assert 0 < report.tokens_used < 300


def test_a_drifted_emulator_is_reported_rule_by_rule(kluster_emulator: KlusterEmulator) -> None:
    kluster_emulator.settings.accepts_anyway = {"response_format", "name", "dimensions"}
    kluster_emulator.settings.stream_usage = False

    report = probe(kluster_emulator)

    assert sorted((c.rule, c.observed) for c in report.drift) == [
        ("embeddings parameter dimensions", "accepted"),
        ("message field user.name", "accepted"),
        ("parameter response_format", "accepted"),
    ]
    stream = next(c for c in report.checks if c.rule == "usage in streams")
    assert (stream.observed, stream.status) == ("no usage", "note")  # STREAM_USAGE is None


def test_stream_usage_is_judged_once_the_contract_states_it(
    kluster_emulator: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contract, "STREAM_USAGE", True)
    kluster_emulator.settings.stream_usage = False

    report = probe(kluster_emulator, models=[])

    assert [(c.rule, c.observed) for c in report.drift] == [("usage in streams", "no usage")]


def test_a_model_the_api_does_not_know_is_drift(kluster_emulator: KlusterEmulator) -> None:
    report = probe(kluster_emulator, model="retired/model-v1", models=[])

    assert [(c.rule, c.model, c.observed, c.status) for c in report.checks] == [
        ("baseline", "retired/model-v1", "not found", "drift")
    ]
    assert report.aborted is not None and "minimal request" in report.aborted


def test_a_rule_without_a_test_value_is_reported_untested_and_not_sent(
    kluster_emulator: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = dict(contract.UNSUPPORTED_PARAMETERS)
    rules["logit_bias"] = ParameterRule("logit_bias", "Not taken.", "Remove it.")
    monkeypatch.setattr(contract, "UNSUPPORTED_PARAMETERS", MappingProxyType(rules))

    report = probe(kluster_emulator, models=[])

    untested = [c for c in report.checks if c.status == "untested"]
    assert [(c.rule, c.observed) for c in untested] == [("parameter logit_bias", "not sent")]
    assert not any("logit_bias" in body for body in kluster_emulator.chat_requests())


def test_a_refused_key_stops_the_probe(kluster_emulator: KlusterEmulator) -> None:
    kluster_emulator.settings.api_key = "the-right-key"

    report = probe(kluster_emulator, "a-wrong-key")

    assert report.checks == []
    assert report.aborted is not None and "key was refused" in report.aborted
    assert len(kluster_emulator.requests) == 1
    assert "a-wrong-key" not in report.to_text() + report.to_json()


def test_cli_prints_json_and_exits_by_drift(
    kluster_env: KlusterEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "--models", "google/gemma-3-27b-it"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["drift"] == 0
    assert report["base_url"] == kluster_env.base_url

    kluster_env.settings.accepts_anyway = {"n"}
    assert main(["--models", PROBE_MODEL]) == EXIT_DRIFT
    text = capsys.readouterr().out
    assert "DRIFT    parameter n " in text
    assert "1 drift" in text


def test_cli_with_a_refused_key_fails(
    kluster_env: KlusterEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    kluster_env.settings.api_key = "the-right-key"
    assert main([]) == EXIT_FAILED
    assert "Stopped early: the API key was refused" in capsys.readouterr().out


def test_cli_skips_cleanly_without_a_key(
    kluster_emulator: KlusterEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("KLUSTER_API_KEY", raising=False)
    assert main(["--base-url", kluster_emulator.base_url]) == EXIT_OK
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("Skipped: KLUSTER_API_KEY is not set")
    assert kluster_emulator.requests == []


def test_runs_as_a_module_with_base_url(kluster_emulator: KlusterEmulator) -> None:
    env = {**os.environ, "KLUSTER_API_KEY": EMULATOR_API_KEY}
    env.pop("KLUSTER_BASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kluster_integrations.probe",
            "--json",
            "--base-url",
            kluster_emulator.base_url,
            "--models",
            "Qwen/Qwen2.5-VL-7B-Instruct",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads(done.stdout)["drift"] == 0
    assert kluster_emulator.chat_requests()


def test_server_faults_are_errors_not_drift(kluster_emulator: KlusterEmulator) -> None:
    kluster_emulator.add_fault(Fault(status=503, path="/v1/embeddings", times=10))

    report = probe(kluster_emulator, models=[])

    errors = [
        (c.rule, c.status)
        for c in report.checks
        if c.model == "BAAI/bge-m3" and c.rule != "prices"  # test_probe_prices.py
    ]
    assert errors == [
        ("embedding dimensions", "error"),
        ("embeddings parameter dimensions", "error"),
    ]
    assert report.drift == []
    assert "HTTP 503" in report.to_text()


def test_a_failed_baseline_stops_the_probe(kluster_emulator: KlusterEmulator) -> None:
    kluster_emulator.add_fault(Fault(status=500))

    report = probe(kluster_emulator)

    assert [c.rule for c in report.checks] == ["baseline"]
    assert report.aborted is not None and "minimal request" in report.aborted
    assert len(kluster_emulator.requests) == 1


def test_verify_is_probed_in_both_forms_with_contract_fields_only(
    kluster_emulator: KlusterEmulator,
) -> None:
    report = probe(kluster_emulator, models=[])

    verify = {c.rule: c for c in report.checks if c.rule in VERIFY_RULES}
    assert set(verify) == VERIFY_RULES
    assert {c.status for c in verify.values()} == {"ok"}
    assert verify["verify search results"].observed == "1 search results"
    bodies = kluster_emulator.verify_requests()
    assert all(set(body) <= set(VERIFY_PROMPT_FORM) or set(body) == {"messages"} for body in bodies)
    for name in VERIFY_REQUIRED_FIELDS:
        assert any(body.get(name) == "" for body in bodies), f"no probe sent an empty {name}"
    assert [b["model"] for b in kluster_emulator.chat_requests()].count(VERIFY_MODEL) == 1


def test_a_verify_answer_of_another_shape_is_drift(kluster_emulator: KlusterEmulator) -> None:
    changed = {"verdict": "hallucination", "usage": {"total_tokens": 3}}
    kluster_emulator.add_fault(Fault(status=200, body=changed, path=VERIFY_PATH, times=10))

    report = probe(kluster_emulator, models=[])

    assert sorted((c.rule, c.observed) for c in report.drift) == [
        ("verify answer with context", "malformed answer"),
        ("verify empty output", "malformed answer"),
        ("verify empty prompt", "malformed answer"),
        ("verify messages form", "malformed answer"),
        ("verify search results", "malformed answer"),
        ("verify too few messages", "malformed answer"),
    ]
    assert "no `is_hallucination`" in report.drift[0].detail


def test_a_removed_verify_endpoint_is_drift(kluster_emulator: KlusterEmulator) -> None:
    kluster_emulator.add_fault(Fault(status=404, path=VERIFY_PATH, times=10))

    report = probe(kluster_emulator, models=[])

    drifted = {c.rule for c in report.drift}
    assert drifted == VERIFY_RULES - {"verify model on the chat endpoint"}
    assert all("does not know this endpoint" in c.detail for c in report.drift)
