"""README.md cannot rot: every Python block runs against the emulator."""

from __future__ import annotations

import pytest

from tests.unit_tests.docs.test_readme import blocks


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
    examples = {
        name: fn for name, fn in namespace.items() if name.startswith("test_") and callable(fn)
    }
    assert examples, "the README shows no pytest example"
    for example in examples.values():  # the README's pytest examples, run for real
        kluster_env.reset()
        example(kluster_env)
