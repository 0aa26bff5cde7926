"""README.md cannot rot: every Python block runs against the emulator, and the table of
changes covers the whole contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


def test_every_python_block_runs(kluster_env, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    python = blocks("python")
    assert python, "README.md has no Python examples"
    namespace: dict[str, object] = {"__name__": "readme"}
    for index, code in enumerate(python):
        try:
            exec(compile(code, f"README.md python block {index + 1}", "exec"), namespace)
        except Exception as err:  # pragma: no cover - the message is the point
            pytest.fail(f"README python block {index + 1} failed: {err!r}\n{code}")
    examples = {name: fn for name, fn in namespace.items()
                if name.startswith("test_") and callable(fn)}
    assert examples, "the README shows no pytest example"
    for example in examples.values():  # the README's pytest examples, run for real
        kluster_env.reset()
        example(kluster_env)


def test_change_table_covers_the_contract():
    text = README.read_text()
    table = text[text.index("## What changes on the way to kluster.ai"):]
    rows = {line.split("|")[1].strip().strip("`") for line in table.splitlines()
            if line.startswith("| `")}
    expected = set(UNSUPPORTED_PARAMETERS) | set(RENAMED_PARAMETERS)
    expected |= {f"messages[].{field}" for field in UNSUPPORTED_MESSAGE_FIELDS}
    missing = {name for name in expected if not any(name in row for row in rows)}
    assert not missing, f"README table lacks: {sorted(missing)}"
