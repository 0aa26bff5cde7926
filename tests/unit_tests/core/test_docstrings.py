"""The ``>>>`` examples in the core's docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kluster_integrations.core
import kluster_integrations.core.contract._verify
import kluster_integrations.core.verify._answer
import kluster_integrations.core.verify._request
import kluster_integrations.core.verify._result
import kluster_integrations.emulator._refusals
import kluster_integrations.emulator._verify

MODULES = [
    importlib.import_module(f"kluster_integrations.core.{info.name}")
    for info in pkgutil.iter_modules(kluster_integrations.core.__path__)
] + [
    kluster_integrations.emulator._refusals,
    kluster_integrations.emulator._verify,
    kluster_integrations.core.contract._verify,
    kluster_integrations.core.verify._answer,
    kluster_integrations.core.verify._request,
    kluster_integrations.core.verify._result,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
