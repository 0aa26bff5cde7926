"""A local kluster.ai: a real HTTP server that enforces the API contract.

It answers ``/v1/chat/completions`` (streaming too), ``/v1/models`` and ``/v1/embeddings``
with deterministic replies, answers 400 to anything the contract refuses, records every
request, and can be told to fail (429 with ``Retry-After``, 5xx, latency, cut streams).

Three ways to run it:

- ``python -m kluster_integrations.emulator --port 8765``;
- ``with KlusterEmulator() as emulator: ...`` in-process, on a free port;
- the pytest fixtures ``kluster_emulator`` and ``kluster_env`` (installed as a pytest plugin).
"""

from kluster_integrations.emulator.server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.emulator.state import EmulatorState, Fault, RecordedRequest, Settings

__all__ = [
    "EMULATOR_API_KEY",
    "EmulatorState",
    "Fault",
    "KlusterEmulator",
    "RecordedRequest",
    "Settings",
]
