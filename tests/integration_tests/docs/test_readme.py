"""README.md and docs/*.md cannot rot: every Python block runs against the emulator, the
blocks of a page in order and in one namespace, and the pytest examples they define run too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kluster_integrations.emulator._server import KlusterEmulator
from tests.unit_tests.docs.test_readme import DOCS, PAGES, README, blocks, page_id

PAGES_WITH_PYTHON = [page for page in PAGES if blocks(page, "python")]


def run_page(page: Path) -> dict[str, object]:
    """Execute the Python blocks of ``page`` in order in one namespace, and return it."""
    namespace: dict[str, object] = {"__name__": page.stem}
    for index, code in enumerate(blocks(page, "python")):
        where = f"{page_id(page)} python block {index + 1}"
        try:
            exec(compile(code, where, "exec"), namespace)
        except Exception as err:  # pragma: no cover - the message is the point
            pytest.fail(f"{where} failed: {err!r}\n{code}")
    return namespace


def pytest_examples(namespace: dict[str, object]) -> list[Callable[[KlusterEmulator], None]]:
    """The ``test_*`` functions a page defines: examples of tests on the emulator."""
    return [fn for name, fn in namespace.items() if name.startswith("test_") and callable(fn)]


def test_the_readme_and_the_emulator_page_show_examples():
    assert README in PAGES_WITH_PYTHON, "README.md has no Python examples"
    emulator_page = DOCS / "emulator.md"
    assert "def test_" in "".join(blocks(emulator_page, "python")), (
        "docs/emulator.md shows no pytest example"
    )


@pytest.mark.parametrize("page", PAGES_WITH_PYTHON, ids=page_id)
def test_every_python_block_runs(page: Path, kluster_env: KlusterEmulator, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    namespace = run_page(page)
    for example in pytest_examples(namespace):  # the page's pytest examples, run for real
        kluster_env.reset()
        example(kluster_env)
