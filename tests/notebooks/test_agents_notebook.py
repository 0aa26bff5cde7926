"""notebooks/agents.ipynb (paired with its jupytext source agents.py) runs top to bottom on
the emulator, and its committed outputs are those of such a run.

Rebuild after editing agents.py (KLUSTER_API_KEY unset, so the emulator answers)::

    .venv/bin/python -c "import jupytext, nbclient; nb = jupytext.read('notebooks/agents.py'); \
nbclient.NotebookClient(nb, kernel_name='python3').execute(); \
jupytext.write(nb, 'notebooks/agents.ipynb')"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL_ENV_REMOVED = ("KLUSTER_API_KEY", "KLUSTER_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")


def texts(notebook: nbformat.NotebookNode) -> list[list[Any]]:
    return [[output.get("text") or output.get("data", {}).get("text/plain")
             for output in cell.outputs if output.get("output_type") != "error"]
            for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    with pytest.MonkeyPatch.context() as patch:
        for name in KERNEL_ENV_REMOVED:
            patch.delenv(name, raising=False)
        notebook = jupytext.read(NOTEBOOKS / "agents.py")
        NotebookClient(notebook, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return notebook


def test_the_notebook_runs_and_uses_both_modes(executed: nbformat.NotebookNode) -> None:
    shown = "".join(str(t) for cell in texts(executed) for t in cell)
    assert "Running on the bundled kluster.ai emulator" in shown
    assert "sent: ['messages', 'model', 'stream', 'tools']" in shown  # native
    assert "sent: ['messages', 'model', 'stream']" in shown  # prompted: no tools on the wire
    assert "[tool call] multiply" in shown and '"tool_calls"' not in shown  # no envelope text


def test_the_committed_notebook_is_the_source_with_current_outputs(
        executed: nbformat.NotebookNode) -> None:
    committed = nbformat.read(NOTEBOOKS / "agents.ipynb", as_version=4)
    source = jupytext.read(NOTEBOOKS / "agents.py")
    assert [c.source for c in committed.cells] == [c.source for c in source.cells]
    assert texts(committed) == texts(executed)
