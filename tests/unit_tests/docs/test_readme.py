"""README.md cannot rot: it gives the two commands, CI runs its test command, and the table
of changes covers the whole contract (its Python blocks run against the emulator in
``tests/integration_tests/docs/test_readme.py``)."""

from __future__ import annotations

import re
from pathlib import Path

from kluster_integrations.core.contract import (
    RENAMED_PARAMETERS,
    UNSUPPORTED_MESSAGE_FIELDS,
    UNSUPPORTED_PARAMETERS,
)

README = Path(__file__).resolve().parents[3] / "README.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README.read_text()) if lang == language]


def test_readme_gives_the_two_commands():
    shell = "\n".join(blocks("bash"))
    assert "make demo" in shell
    assert "make test" in shell


def test_ci_runs_the_readme_test_command():
    ci = (README.parent / ".ci" / "run").read_text()
    assert "make test" in ci


def test_change_table_covers_the_contract():
    text = README.read_text()
    table = text[text.index("## What changes on the way to kluster.ai") :]
    rows = {
        line.split("|")[1].strip().strip("`")
        for line in table.splitlines()
        if line.startswith("| `")
    }
    expected = set(UNSUPPORTED_PARAMETERS) | set(RENAMED_PARAMETERS)
    expected |= {f"messages[].{field}" for field in UNSUPPORTED_MESSAGE_FIELDS}
    missing = {name for name in expected if not any(name in row for row in rows)}
    assert not missing, f"README table lacks: {sorted(missing)}"
