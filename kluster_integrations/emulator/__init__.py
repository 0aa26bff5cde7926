"""A local kluster.ai: a real HTTP server that enforces the API contract.

It answers ``/v1/chat/completions`` (streaming too), ``/v1/models`` and ``/v1/embeddings``
with deterministic replies, answers 400 to anything the contract refuses, records every
request, and can be told to fail (429 with ``Retry-After``, 5xx, latency, cut streams) or
to enforce rate limits per key and model (``KlusterEmulator.set_rate_limits``).

Three ways to run it (all need the ``emulator`` extra: starlette and uvicorn):

- ``python -m kluster_integrations.emulator --port 8765``;
- ``with KlusterEmulator() as emulator: ...`` in-process, on a free port;
- the pytest fixtures ``kluster_emulator`` and ``kluster_env`` (installed as a pytest plugin).

The server classes load on first use, so the pytest plugin, which every pytest run of an
environment with this package loads, works even where the extra is not installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kluster_integrations.emulator._batch_store import BatchClock, BatchFault, batch_store
from kluster_integrations.emulator._rate_ledger import RateLimited
from kluster_integrations.emulator._state import EmulatorState, Fault, RecordedRequest, Settings

if TYPE_CHECKING:
    from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator

__all__ = [
    "EMULATOR_API_KEY",
    "BatchClock",
    "BatchFault",
    "EmulatorState",
    "Fault",
    "KlusterEmulator",
    "RateLimited",
    "RecordedRequest",
    "Settings",
    "batch_store",
]

_FROM_SERVER = frozenset({"EMULATOR_API_KEY", "KlusterEmulator"})


def __getattr__(name: str) -> Any:
    if name in _FROM_SERVER:
        try:
            from kluster_integrations.emulator import _server as server
        except ImportError as err:
            raise ImportError(
                f"The kluster.ai emulator needs its extra: pip install "
                f"'kluster-integrations[emulator]' ({err})"
            ) from err
        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
