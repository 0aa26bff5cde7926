"""The ``>>>`` examples in the core's docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kluster_integrations.core
import kluster_integrations.emulator._refusals

MODULES = [
    importlib.import_module(f"kluster_integrations.core.{info.name}")
    for info in pkgutil.iter_modules(kluster_integrations.core.__path__)
] + [kluster_integrations.emulator._refusals]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
