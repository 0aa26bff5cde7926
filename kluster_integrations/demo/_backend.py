"""Choose where the demo and notebooks run: kluster.ai when a key is set, else the emulator.

Example::

    with kluster_backend() as backend:
        print(backend.description)      # "kluster.ai at https://..." or "the bundled ... emulator"
        llm = ChatKluster()             # KLUSTER_BASE_URL / KLUSTER_API_KEY are set for it
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kluster_integrations.core.contract import API_KEY_ENV, BASE_URL_ENV
from kluster_integrations.core.transport import resolve_base_url


@dataclass
class Backend:
    """Where requests go; ``emulator`` is the running ``KlusterEmulator`` or ``None``."""

    base_url: str
    emulator: object | None

    @property
    def is_emulated(self) -> bool:
        return self.emulator is not None

    @property
    def description(self) -> str:
        if self.is_emulated:
            return f"the bundled kluster.ai emulator, offline (no {API_KEY_ENV} set)"
        return f"kluster.ai at {self.base_url}"


def start_backend() -> Backend:
    """Use kluster.ai if ``KLUSTER_API_KEY`` is set; otherwise start the emulator and point
    ``KLUSTER_BASE_URL`` / ``KLUSTER_API_KEY`` at it for the rest of the process."""
    if os.environ.get(API_KEY_ENV, "").strip():
        return Backend(resolve_base_url(), None)
    from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator

    emulator = KlusterEmulator().start()
    os.environ[BASE_URL_ENV] = emulator.base_url
    os.environ[API_KEY_ENV] = EMULATOR_API_KEY
    return Backend(emulator.base_url, emulator)


@contextmanager
def kluster_backend() -> Iterator[Backend]:
    """``start_backend`` as a context manager that stops the emulator and restores the env."""
    saved = {name: os.environ.get(name) for name in (API_KEY_ENV, BASE_URL_ENV)}
    backend = start_backend()
    try:
        yield backend
    finally:
        if backend.emulator is not None:
            backend.emulator.stop()  # type: ignore[attr-defined]
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
