"""The LangChain demo runs end to end on the emulator."""

from __future__ import annotations

from kluster_integrations.demo import _langchain_chain as langchain_chain
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator


def test_demo_streams_then_prints_structured_output(emulator: KlusterEmulator) -> None:
    printed: list[tuple[str, str]] = []
    langchain_chain.run(lambda text="", end="\n": printed.append((text, end)))
    streamed = [text for text, end in printed if end == ""]
    assert len(streamed) > 3  # the prefix, then the answer chunk by chunk
    assert any("CityFacts(" in text for text, _ in printed)
    bodies = emulator.chat_requests()
    assert [b["stream"] for b in bodies] == [True, False]
    assert all(contract_violations(b) == [] for b in bodies)
