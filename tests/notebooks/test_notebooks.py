"""The notebooks run top to bottom on the emulator, and their committed outputs are current.

Each notebook is executed once per session with nbclient, in a fresh ``python3`` kernel
started from this interpreter, with ``KLUSTER_API_KEY`` removed from the kernel's
environment so it runs on the bundled emulator. A failing cell fails the test with the
cell's traceback. The committed ``.ipynb`` files must equal what ``notebooks/build.py``
writes and must carry the outputs of such a run: after changing a notebook, rebuild with
``.venv/bin/python notebooks/build.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("langchain_quickstart", "llamaindex_rag", "model_comparison")

REBUILD = "rebuild with `.venv/bin/python notebooks/build.py`"


def _load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS_DIR / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build_script()


def committed(name: str) -> nbformat.NotebookNode:
    return nbformat.read(build.notebook_path(name), as_version=4)


def without_outputs(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    copy = nbformat.from_dict(notebook)
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return copy


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
                shown.append((output.output_type, dict(output.data)))
        cells.append((cell.id, cell.execution_count, shown))
    return cells


@pytest.fixture(scope="session")
def fresh_run() -> Callable[[str], nbformat.NotebookNode]:
    """Execute a committed notebook (outputs cleared) once per session; raises on any error.

    A fake ``KLUSTER_API_KEY`` is set in this process while the kernels run: the notebooks
    must still run on the emulator, never on kluster.ai.
    """
    runs: dict[str, nbformat.NotebookNode] = {}

    def run(name: str) -> nbformat.NotebookNode:
        if name not in runs:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("KLUSTER_API_KEY", "not-a-real-key")
                runs[name] = build.execute(without_outputs(committed(name)))
        return runs[name]

    return run


def test_every_notebook_is_tested() -> None:
    assert set(NAMES) == set(build.NOTEBOOKS)
    # Notebooks with a jupytext ``.py`` source beside them are tested on their own
    # (tests/batch/test_notebook.py), not written by build.py.
    assert {path.stem for path in NOTEBOOKS_DIR.glob("*.ipynb")
            if not path.with_suffix(".py").exists()} == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_what_the_build_script_writes(name: str) -> None:
    notebook = committed(name)
    nbformat.validate(notebook)
    expected = build.build_notebook(build.NOTEBOOKS[name])
    assert notebook.nbformat == 4
    assert notebook.metadata == expected.metadata, f"notebook metadata changed; {REBUILD}"
    assert [(c.id, c.cell_type, c.source) for c in notebook.cells] == [
        (c.id, c.cell_type, c.source) for c in expected.cells
    ], f"notebooks/{name}.ipynb differs from notebooks/build.py; {REBUILD}"
    assert all(cell.metadata == {} for cell in notebook.cells)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_on_the_emulator(
        name: str, fresh_run: Callable[[str], nbformat.NotebookNode]) -> None:
    notebook = fresh_run(name)  # a failing cell raises CellExecutionError here
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells)
    first_output = "".join(o.get("text", "") for o in code_cells[0].outputs)
    assert first_output == ("Running on the bundled kluster.ai emulator, offline "
                            "(no KLUSTER_API_KEY set).\n")
    stderr = [(cell.id, o.text) for cell in code_cells for o in cell.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == [], "warnings or logs on stderr would clutter the notebook"


@pytest.mark.parametrize("name", NAMES)
def test_committed_outputs_equal_a_fresh_run(
        name: str, fresh_run: Callable[[str], nbformat.NotebookNode]) -> None:
    assert outputs_of(committed(name)) == outputs_of(fresh_run(name)), (
        f"notebooks/{name}.ipynb carries stale outputs; {REBUILD}")


def test_kernel_is_this_interpreter() -> None:
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, kluster_integrations\nprint(sys.prefix)\nprint(kluster_integrations.__file__)",
        id="probe")])
    build.execute(probe)
    prefix, package = probe.cells[0].outputs[0].text.splitlines()
    assert prefix == sys.prefix
    assert Path(package).is_relative_to(NOTEBOOKS_DIR.parent)
