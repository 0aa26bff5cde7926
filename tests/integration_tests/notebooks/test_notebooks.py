"""Every notebook pair in ``notebooks/`` runs top to bottom, and its ``.ipynb`` is current.

A pair is ``NAME.py`` (jupytext percent format, the source) and ``NAME.ipynb`` (the source
with the outputs of a run). The pairs are found in the folder, so a new notebook is tested
without touching this file. Each source is executed once per session with nbclient, in a
fresh ``python3`` kernel started from this interpreter, with ``KLUSTER_API_KEY`` removed from
the kernel's environment so it runs on the bundled emulator; a failing cell fails the test
with the cell's traceback. The committed ``.ipynb`` must hold exactly its source's cells and
the outputs of such a run: after editing a notebook, re-run it with ``make notebooks``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.integration_tests.notebooks import runner

NAMES = runner.notebook_names()

RERUN = "re-run it with `make notebooks`"


def committed(name: str) -> nbformat.NotebookNode:
    return nbformat.read(runner.notebook_path(name), as_version=4)


#: A progress bar (tqdm in a notebook) is a widget, with a new random model id each run.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def without_widget_ids(data: dict[str, Any]) -> dict[str, Any]:
    shown = dict(data)
    if isinstance(shown.get(WIDGET_VIEW), dict):
        shown[WIDGET_VIEW] = {**shown[WIDGET_VIEW], "model_id": "<per run>"}
    return shown


def outputs_of(notebook: nbformat.NotebookNode) -> list[tuple[str, int | None, list[Any]]]:
    """Per code cell: its id, execution count, and outputs reduced to what a reader sees."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        shown: list[Any] = []
        for output in cell.outputs:
            if output.output_type == "stream":
                shown.append((output.name, output.text))
            elif output.output_type == "error":
                shown.append(("error", output.ename, output.evalue))
            else:
                shown.append((output.output_type, without_widget_ids(output.data)))
        cells.append((cell.id, cell.execution_count, shown))
    return cells


@pytest.fixture(scope="session")
def fresh_run() -> Callable[[str], nbformat.NotebookNode]:
    """Execute a notebook's ``.py`` source once per session; raises on any error.

    A fake ``KLUSTER_API_KEY`` is set in this process while the kernels run: the notebooks
    must still run on the emulator, never on kluster.ai.
    """
    runs: dict[str, nbformat.NotebookNode] = {}

    def run(name: str) -> nbformat.NotebookNode:
        if name not in runs:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("KLUSTER_API_KEY", "not-a-real-key")
                runs[name] = runner.execute(runner.read_source(name))
        return runs[name]

    return run


def test_the_folder_holds_notebooks() -> None:
    assert {"langchain_quickstart", "llamaindex_rag", "model_comparison"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_is_a_pair(name: str) -> None:
    assert runner.source_path(name).exists(), (
        f"notebooks/{name}.ipynb has no source; create notebooks/{name}.py with "
        f"`jupytext --to py:percent notebooks/{name}.ipynb`"
    )
    assert runner.notebook_path(name).exists(), (
        f"notebooks/{name}.py has no notebook with outputs; {RERUN}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_matches_its_source(name: str) -> None:
    notebook = committed(name)
    nbformat.validate(notebook)
    expected = runner.read_source(name)
    assert notebook.nbformat == 4
    assert notebook.metadata == expected.metadata, f"notebook metadata changed; {RERUN}"
    assert [(c.id, c.cell_type, c.source) for c in notebook.cells] == [
        (c.id, c.cell_type, c.source) for c in expected.cells
    ], f"notebooks/{name}.ipynb differs from notebooks/{name}.py; {RERUN}"
    assert all(cell.metadata == {} for cell in notebook.cells)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_on_the_emulator(
    name: str, fresh_run: Callable[[str], nbformat.NotebookNode]
) -> None:
    notebook = fresh_run(name)  # a failing cell raises CellExecutionError here
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells)
    first_output = "".join(o.get("text", "") for o in code_cells[0].outputs)
    assert first_output == (
        "Running on the bundled kluster.ai emulator, offline (no KLUSTER_API_KEY set).\n"
    )
    stderr = [
        (cell.id, o.text)
        for cell in code_cells
        for o in cell.outputs
        if o.output_type == "stream" and o.name == "stderr"
    ]
    assert stderr == [], "warnings or logs on stderr would clutter the notebook"


@pytest.mark.parametrize("name", NAMES)
def test_committed_outputs_equal_a_fresh_run(
    name: str, fresh_run: Callable[[str], nbformat.NotebookNode]
) -> None:
    assert outputs_of(committed(name)) == outputs_of(fresh_run(name)), (
        f"notebooks/{name}.ipynb carries stale outputs; {RERUN}"
    )


def test_kernel_is_this_interpreter() -> None:
    probe = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import sys, kluster_integrations\n"
                "print(sys.prefix)\n"
                "print(kluster_integrations.__file__)",
                id="probe",
            )
        ]
    )
    runner.execute(probe)
    prefix, package = probe.cells[0].outputs[0].text.splitlines()
    assert prefix == sys.prefix
    assert Path(package).is_relative_to(runner.NOTEBOOKS_DIR.parent)
