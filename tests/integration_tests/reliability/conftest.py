"""Fixtures for the reliability tests: the emulator via ``kluster_env``, and the waits the
openai SDK chose between retries (read from its own retry log, never from a clock)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

#: The openai SDK logs "Retrying request to <url> in <seconds> seconds" before each retry.
RETRY_LOGGER = "openai._base_client"


@pytest.fixture(autouse=True)
def _no_openai_fallback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing may reach OpenAI's own endpoint by accident."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    yield


@pytest.fixture
def retry_waits(caplog: pytest.LogCaptureFixture) -> Callable[[], list[float]]:
    """A function returning the waits (seconds) the openai SDK chose before each retry."""
    caplog.set_level(logging.INFO, logger=RETRY_LOGGER)

    def waits() -> list[float]:
        return [
            float(record.args[1])
            for record in caplog.records
            if record.name == RETRY_LOGGER and record.msg.startswith("Retrying request")
        ]

    return waits
