"""What notebooks/agents.ipynb must show: a native agent sends ``tools``, a prompted one does
not, and no tool-call envelope reaches the reader as answer text.

``test_notebooks.py`` checks that the committed outputs equal a fresh run on the emulator,
so these checks read the committed notebook instead of running it again.
"""

from __future__ import annotations

from tests.integration_tests.notebooks.test_notebooks import committed, outputs_of


def shown_text() -> str:
    return "".join(
        str(output[-1]) for _, _, outputs in outputs_of(committed("agents")) for output in outputs
    )


def test_the_notebook_runs_on_the_emulator() -> None:
    assert "Running on the bundled kluster.ai emulator" in shown_text()


def test_native_and_prompted_agents_differ_on_the_wire() -> None:
    shown = shown_text()
    assert "sent: ['messages', 'model', 'stream', 'tools']" in shown  # native
    assert "sent: ['messages', 'model', 'stream']" in shown  # prompted: no tools on the wire


def test_no_envelope_text_reaches_the_reader() -> None:
    shown = shown_text()
    assert "[tool call] multiply" in shown
    assert '"tool_calls"' not in shown
