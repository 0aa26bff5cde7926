"""The streamed-thinking loop of docs/reasoning.md prints what it promises: every piece of
thinking, then the whole answer (no answer text lost to a response that also carried
thinking)."""

from __future__ import annotations

import pytest

from kluster_integrations.emulator._reasoning import move_to_field, think_block
from kluster_integrations.emulator._server import KlusterEmulator
from tests.integration_tests.docs.test_readme import run_page
from tests.unit_tests.docs.test_readme import DOCS


def test_the_streamed_thinking_loop_prints_the_thinking_then_the_whole_answer(
    kluster_env: KlusterEmulator, capsys: pytest.CaptureFixture[str], monkeypatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    run_page(DOCS / "reasoning.md")
    printed = capsys.readouterr().out.splitlines()
    whole, streamed = kluster_env.chat_requests()
    assert streamed["model"] == "deepseek-ai/DeepSeek-R1-0528" and streamed["stream"] is True
    assert whole.get("stream") is not True
    thought, rest = move_to_field(think_block(streamed))  # what the emulator thinks out loud
    assert thought and rest == ""
    answer = printed[1].removeprefix("answer: ")  # the non-streamed answer to the same question
    assert printed == [f"thinking: {thought}", f"answer: {answer}", thought + answer]
    assert answer.strip()
