"""Run the notebooks in ``notebooks/`` from their jupytext sources and save the outputs.

Every notebook is a pair (configured in ``notebooks/jupytext.toml``): ``NAME.py`` in
jupytext's percent format is the source people edit and review, ``NAME.ipynb`` is that
source with the outputs of a run on the bundled kluster.ai emulator (``KLUSTER_API_KEY`` and
friends are removed from the kernel's environment). Cell ids are numbered (``cell-01``, ...)
and timings are not recorded, so re-running an unchanged notebook rewrites the same file.

Usage, from the repository root (``make notebooks`` runs them all)::

    .venv/bin/python -m tests.integration_tests.notebooks.runner                 # every notebook
    .venv/bin/python -m tests.integration_tests.notebooks.runner llamaindex_rag  # just one

``tests/integration_tests/notebooks/test_notebooks.py`` runs every pair again and checks that
the ``.ipynb`` matches its source and that its outputs equal a fresh run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).resolve().parents[3] / "notebooks"

#: Removed from the kernel's environment so every run uses the emulator.
KERNEL_ENV_REMOVED = ("KLUSTER_API_KEY", "KLUSTER_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")

KERNEL_NAME = "python3"
CELL_TIMEOUT_SECONDS = 120


def notebook_names() -> list[str]:
    """Every notebook in ``notebooks/``: the stems of its ``.py`` sources and ``.ipynb`` files."""
    return sorted(
        {path.stem for pattern in ("*.py", "*.ipynb") for path in NOTEBOOKS_DIR.glob(pattern)}
    )


def source_path(name: str) -> Path:
    return NOTEBOOKS_DIR / f"{name}.py"


def notebook_path(name: str) -> Path:
    return NOTEBOOKS_DIR / f"{name}.ipynb"


def read_source(name: str) -> nbformat.NotebookNode:
    """The notebook that ``NAME.py`` describes, without outputs, with numbered cell ids."""
    notebook = jupytext.read(source_path(name))
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["language_info"] = {"name": "python"}
    for number, cell in enumerate(notebook.cells, start=1):
        cell.id = f"cell-{number:02d}"
        cell.metadata = nbformat.NotebookNode()
    return notebook


def kernel_env() -> dict[str, str]:
    """This process's environment without kluster.ai / OpenAI credentials: the emulator."""
    return {name: value for name, value in os.environ.items() if name not in KERNEL_ENV_REMOVED}


def execute(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel on the emulator; raises ``CellExecutionError``.

    The kernel is ``python3`` started from this interpreter (jupyter_client replaces the
    kernel spec's ``python`` with ``sys.executable``), so run this with the project's venv.
    """
    metadata = nbformat.from_dict(notebook.metadata)
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT_SECONDS,
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute(env=kernel_env(), cwd=str(NOTEBOOKS_DIR))
    notebook.metadata = metadata  # drop the kernel's version details
    return notebook


def run(name: str) -> Path:
    """Execute ``NAME.py`` and write ``NAME.ipynb`` with its outputs."""
    notebook = execute(read_source(name))
    nbformat.validate(notebook)
    nbformat.write(notebook, notebook_path(name))
    return notebook_path(name)


def main(argv: list[str] | None = None) -> int:
    names = notebook_names()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"notebooks to run (default: all of {', '.join(names)})",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        parser.error(f"unknown notebook(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    for name in args.names or names:
        if not source_path(name).exists():
            parser.error(
                f"notebooks/{name}.ipynb has no source notebooks/{name}.py; create it "
                f"with `jupytext --to py:percent notebooks/{name}.ipynb`"
            )
        print(f"running {name} ...", flush=True)
        print(f"wrote {run(name).relative_to(NOTEBOOKS_DIR.parent)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
