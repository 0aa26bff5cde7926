"""Fixtures for the LangChain adapter tests: everything runs against the kluster.ai emulator.

langchain-tests pulls in pytest-socket, which blocks sockets only under ``--disable-socket``.
These tests need the emulator's real local HTTP server, so when sockets were disabled they
are switched back on for each test here (and off again afterwards).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kluster_integrations.emulator._server import KlusterEmulator


@pytest.fixture(scope="session", autouse=True)
def _local_sockets_allowed(request: pytest.FixtureRequest) -> Iterator[None]:
    disabled = bool(request.config.getoption("--disable-socket", default=False))
    if disabled:
        import pytest_socket

        pytest_socket.enable_socket()
    yield
    if disabled:
        pytest_socket.disable_socket()


@pytest.fixture
def emulator(kluster_env: KlusterEmulator) -> KlusterEmulator:
    """The emulator, with KLUSTER_BASE_URL / KLUSTER_API_KEY pointing at it."""
    return kluster_env


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the standard tests a module lists in ``API_LIMITS``, with the limit as reason.

    The standard suites forbid overriding their tests, so the reason is attached here.
    """
    for item in items:
        limits = getattr(getattr(item, "module", None), "API_LIMITS", None)
        name = getattr(item, "originalname", item.name)
        if limits and name in limits:
            item.add_marker(pytest.mark.skip(reason=limits[name]))
