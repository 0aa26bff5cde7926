"""The live suite passes against the emulator posing as kluster.ai, and skips without a key.

Not marked ``live``: this runs in ``make test``. Each case runs ``pytest -m live tests/live``
in a subprocess (the live suite reads its environment at import, like a user's shell would)
with ``KLUSTER_BASE_URL`` / ``KLUSTER_API_KEY`` set to the session's emulator, or unset.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator

LIVE_DIR = Path(__file__).resolve().parents[2] / "live"
ROOT = LIVE_DIR.parents[1]
LIVE_TESTS = 8


def run_live_suite(env: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(LIVE_DIR),
            "-m",
            "live",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def clean_env() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("KLUSTER_", "OPENAI_"))
    }


def test_live_suite_passes_on_the_emulator_as_kluster_ai(kluster_emulator: KlusterEmulator) -> None:
    env = {
        **clean_env(),
        "KLUSTER_BASE_URL": kluster_emulator.base_url,
        "KLUSTER_API_KEY": EMULATOR_API_KEY,
    }

    code, output = run_live_suite(env)

    assert code == 0, output
    assert re.search(rf"\b{LIVE_TESTS} passed\b", output), output
    assert "skipped" not in output
    chat = kluster_emulator.chat_requests()
    assert {body["model"] for body in chat} == {"klusterai/Meta-Llama-3.1-8B-Instruct-Turbo"}
    assert all(body["max_completion_tokens"] == 5 for body in chat)
    assert any(body.get("stream") for body in chat)
    assert len(kluster_emulator.embedding_requests()) >= 4


def test_live_suite_skips_without_a_key(kluster_emulator: KlusterEmulator) -> None:
    code, output = run_live_suite({**clean_env(), "KLUSTER_BASE_URL": kluster_emulator.base_url})

    assert code == 0, output
    assert re.search(rf"\b{LIVE_TESTS} skipped\b", output), output
    assert "need KLUSTER_API_KEY" in output
    assert kluster_emulator.requests == []
