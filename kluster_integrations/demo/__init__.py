"""The demo: ``python -m kluster_integrations.demo`` (or ``make demo``), and the backend the
notebooks share with it: kluster.ai when ``KLUSTER_API_KEY`` is set, else the bundled
emulator.

Example::

    from kluster_integrations.demo import start_backend

    backend = start_backend()   # sets KLUSTER_BASE_URL / KLUSTER_API_KEY for the emulator
    print(backend.description)
"""

from kluster_integrations.demo._backend import Backend, kluster_backend, start_backend

__all__ = ["Backend", "kluster_backend", "start_backend"]
