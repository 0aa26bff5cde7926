"""The public surface, derived from the package itself: every public module (no path part
starting with ``_``) and the names its ``__all__`` offers. It is compared with
``public_surface.txt``, so adding, removing or renaming a public name is an API change made
on purpose: run ``UPDATE_PUBLIC_SURFACE=1 pytest tests/unit_tests/test_public_names.py`` and
commit the new file with the change (and README.md / docs/)."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

import kluster_integrations

SNAPSHOT = Path(__file__).with_name("public_surface.txt")
ROOT = Path(__file__).resolve().parents[2]
#: Entry points run as programs, not imported.
PROGRAMS = ("__main__",)


def public_modules() -> list[ModuleType]:
    """Every module of the package whose dotted name has no part starting with ``_``."""
    names = [kluster_integrations.__name__]
    for info in pkgutil.walk_packages(kluster_integrations.__path__, "kluster_integrations."):
        parts = info.name.split(".")
        if not any(part.startswith("_") for part in parts) and parts[-1] not in PROGRAMS:
            names.append(info.name)
    return [importlib.import_module(name) for name in sorted(names)]


def surface() -> list[str]:
    """``module: name`` for every name a public module offers."""
    return [
        f"{module.__name__}: {name}"
        for module in public_modules()
        for name in sorted(getattr(module, "__all__", ()))
    ]


def test_the_public_surface_is_the_recorded_one() -> None:
    found = "\n".join(surface()) + "\n"
    if os.environ.get("UPDATE_PUBLIC_SURFACE"):
        SNAPSHOT.write_text(found)
    assert found == SNAPSHOT.read_text(), (
        "the public surface changed; if on purpose, re-run with UPDATE_PUBLIC_SURFACE=1"
    )


@pytest.mark.parametrize("module", public_modules(), ids=lambda m: m.__name__)
def test_every_public_module_says_what_it_offers(module: ModuleType) -> None:
    """``__all__`` is there, lists names once, each importable; ``import *`` gives exactly
    them; every public class and function has a docstring."""
    offered = getattr(module, "__all__", None)
    assert offered is not None, f"{module.__name__} has no __all__"
    assert len(set(offered)) == len(offered), "a name is listed twice"
    namespace: dict[str, object] = {}
    exec(f"from {module.__name__} import *", namespace)
    namespace.pop("__builtins__")
    assert sorted(namespace) == sorted(offered)
    for name in offered:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{module.__name__}.{name} has no docstring"


def test_every_error_and_warning_is_exported_from_the_top() -> None:
    from kluster_integrations.core import errors

    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__ == errors.__name__
    }
    assert defined <= set(kluster_integrations.__all__)


IMPORT = re.compile(r"(?:from|import)\s+(kluster_integrations(?:\.\w+)*)")


def test_the_docs_import_public_modules_only() -> None:
    """README.md, docs/ and the notebooks use what the public surface offers, never a
    private module (whose names may change in any release)."""
    texts = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "notebooks").glob("*.py")]
    private = {
        f"{path.name}: {name}"
        for path in texts
        for name in IMPORT.findall(path.read_text())
        if any(part.startswith("_") for part in name.split("."))
    }
    assert not private
