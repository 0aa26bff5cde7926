"""The ``>>>`` examples of the pricing modules run (``test_docstrings.py`` reads only the
packages' own docstrings, not their private modules')."""

from __future__ import annotations

import doctest
import importlib

import pytest

from kluster_integrations.core.models import reset_catalog, reset_prices

MODULES = [
    "kluster_integrations.core.contract._prices",
    "kluster_integrations.core.models._prices",
    "kluster_integrations.core.models._refresh",
    "kluster_integrations.core.cost._charge",
    "kluster_integrations.core.cost._batch",
    "kluster_integrations.emulator._listing",
    "kluster_integrations.probe._prices",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    try:
        result = doctest.testmod(
            importlib.import_module(name),
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        )
    finally:
        reset_prices()
        reset_catalog()
    assert result.attempted > 0 and result.failed == 0
