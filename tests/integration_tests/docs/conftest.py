"""Fixtures shared by the tests that run the documentation's examples."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llama_index.core import Settings

from kluster_integrations.core.models import reset_catalog, reset_prices


@pytest.fixture(autouse=True)
def _llama_index_settings_restored() -> Iterator[None]:
    """The LlamaIndex examples set ``Settings.llm`` / ``Settings.embed_model``."""
    saved = (Settings._llm, Settings._embed_model)
    yield
    Settings._llm, Settings._embed_model = saved


@pytest.fixture(autouse=True)
def _catalog_and_prices_restored() -> Iterator[None]:
    """docs/cost.md loads the live list and sets prices."""
    yield
    reset_catalog()
    reset_prices()
