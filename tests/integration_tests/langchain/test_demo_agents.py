"""The agents part of the demo runs on the emulator: tools go natively to the tool model,
through the prompt to the text-only one, and the reasoning model's thinking is kept apart."""

from __future__ import annotations

from kluster_integrations.demo import _agents as agents
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator


def test_demo_agents_on_both_kinds_of_model(emulator: KlusterEmulator) -> None:
    printed: list[str] = []
    agents.run(lambda text="", end="\n": printed.append(text))
    shown = "\n".join(printed)
    assert shown.count("called [('multiply', {'a': 6, 'b': 7})]") == 2
    assert "thinking: 'The user asks" in shown
    assert "<think>" not in shown
    bodies = emulator.chat_requests()
    by_model: dict[str, list[dict]] = {}
    for body in bodies:
        by_model.setdefault(body["model"], []).append(body)
    assert all("tools" in b for b in by_model[agents.TOOL_MODEL])
    assert not any("tools" in b for b in by_model[agents.TEXT_ONLY_MODEL])
    assert all(contract_violations(b) == [] for b in bodies)
