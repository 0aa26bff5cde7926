"""Pytest fixtures for testing against the kluster.ai emulator (registered as a plugin).

One emulator serves the whole session; each test gets it reset, with default settings.
The fixtures need the ``emulator`` extra (``pip install kluster-integrations[emulator]``);
without it, loading this plugin still works and only using a fixture fails.

Example::

    def test_my_chain(kluster_env):              # KLUSTER_* point at the emulator
        kluster_env.queue_replies("42")
        assert my_chain.invoke("6 x 7?") == "42"
        assert "tools" not in kluster_env.chat_requests()[0]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from kluster_integrations.core.contract import API_KEY_ENV, BASE_URL_ENV

if TYPE_CHECKING:
    from kluster_integrations.emulator._server import KlusterEmulator


@pytest.fixture(scope="session")
def kluster_emulator_session() -> Iterator[KlusterEmulator]:
    """The session's emulator, started once."""
    try:
        from kluster_integrations.emulator._server import KlusterEmulator
    except ImportError as err:  # pragma: no cover - depends on the installed extras
        pytest.fail(
            f"The kluster.ai emulator needs its extra: pip install "
            f"'kluster-integrations[emulator]' ({err})"
        )
    with KlusterEmulator() as emulator:
        yield emulator


@pytest.fixture
def kluster_emulator(kluster_emulator_session: KlusterEmulator) -> Iterator[KlusterEmulator]:
    """The emulator with an empty request log, no queued replies or faults, default settings
    (no rate limits: ``kluster_emulator.set_rate_limits(...)`` sets some for one test), and
    the process's client-side rate limiters forgotten (``core.rate_limits``)."""
    emulator = kluster_emulator_session
    _fresh(emulator)
    yield emulator
    _fresh(emulator)


def _fresh(emulator: KlusterEmulator) -> None:
    from kluster_integrations.core.rate_limits import reset_rate_limits
    from kluster_integrations.emulator._state import Settings

    emulator.reset()
    emulator.set_rate_limits()
    emulator.state.settings = Settings()
    reset_rate_limits()


@pytest.fixture
def kluster_env(
    kluster_emulator: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> KlusterEmulator:
    """The emulator, with KLUSTER_BASE_URL and KLUSTER_API_KEY pointing at it."""
    from kluster_integrations.emulator._server import EMULATOR_API_KEY

    monkeypatch.setenv(BASE_URL_ENV, kluster_emulator.base_url)
    monkeypatch.setenv(API_KEY_ENV, EMULATOR_API_KEY)
    return kluster_emulator


@pytest.fixture
def kluster_batches(kluster_env: KlusterEmulator) -> Iterator[Any]:
    """The emulator's Batch API store (``emulator.batches.BatchStore``), emptied, on a fast
    clock; ``KLUSTER_*`` point at the emulator as with ``kluster_env``."""
    from kluster_integrations.emulator._batch_store import batch_store

    store = batch_store(kluster_env.state)
    store.reset()
    yield store
    store.reset()
