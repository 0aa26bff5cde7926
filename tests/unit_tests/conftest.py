"""Unit tests run with the network switched off.

Every test under ``tests/unit_tests/`` runs with TCP/UDP sockets blocked by pytest-socket,
from before its fixtures are set up, so a test that starts or reaches the emulator or the
internet fails with ``SocketBlockedError``: it belongs in ``tests/integration_tests/``. Unix
sockets stay allowed, since asyncio's event loop wakes itself through an AF_UNIX socket pair.
pytest-socket lifts the block after each test.
"""

from __future__ import annotations

import pytest
import pytest_socket


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    pytest_socket.disable_socket(allow_unix_socket=True)
