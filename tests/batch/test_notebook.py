"""notebooks/batch_classification: runs top to bottom on the emulator, and is paired.

The source is the jupytext percent-format ``.py``; the committed ``.ipynb`` is the same
cells with the outputs of a run on the emulator (rebuild: ``jupytext --to ipynb`` then
execute with nbclient, with ``KLUSTER_API_KEY`` unset).
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "batch_classification"
HIDDEN = ("KLUSTER_API_KEY", "KLUSTER_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")


def texts(notebook) -> str:
    shown = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            shown.append(str(output.get("text", "")))
            shown.append(str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(shown)


@pytest.fixture
def executed(monkeypatch):
    for name in HIDDEN:
        monkeypatch.delenv(name, raising=False)
    notebook = jupytext.read(NOTEBOOK.with_suffix(".py"))
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return notebook


def test_the_notebook_classifies_every_text_through_the_batch_api(executed):
    shown = texts(executed)
    assert "Running on the bundled kluster.ai emulator" in shown
    assert "completed - 300 completed, 0 failed" in shown
    assert "labels: {'positive': 300}" in shown
    assert "/300" in shown  # the tqdm progress bar
    assert "completed True" in shown  # re-attached by id, same results


def test_the_committed_notebook_is_the_source_with_outputs():
    committed = nbformat.read(NOTEBOOK.with_suffix(".ipynb"), as_version=4)
    source = jupytext.read(NOTEBOOK.with_suffix(".py"))
    assert [c.source for c in committed.cells] == [c.source for c in source.cells]
    assert "completed - 300 completed" in texts(committed)
