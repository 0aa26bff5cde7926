"""Unit tests run with the network switched off.

Every test under ``tests/unit_tests/`` runs with TCP/UDP sockets blocked by pytest-socket, so
a test that reaches for the emulator or the internet fails with ``SocketBlockedError`` and
belongs in ``tests/integration_tests/``. Unix sockets stay allowed: asyncio's event loop
wakes itself through an AF_UNIX socket pair. pytest-socket lifts the block after each test.
"""

from __future__ import annotations

import pytest
import pytest_socket


@pytest.fixture(autouse=True)
def _sockets_disabled() -> None:
    pytest_socket.disable_socket(allow_unix_socket=True)
