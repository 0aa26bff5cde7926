"""Run the emulator on a local port: in a background thread, or in the foreground.

Example::

    from kluster_integrations.emulator import KlusterEmulator

    with KlusterEmulator() as emulator:              # a free port on 127.0.0.1
        client = openai.OpenAI(base_url=emulator.base_url, api_key="any-key")
        emulator.queue_replies("Hello!")
        client.chat.completions.create(model=..., messages=[...])
        emulator.chat_requests()                       # what went over the wire
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from kluster_integrations.emulator._app import create_app
from kluster_integrations.emulator._rate_ledger import RateLimited, RateWindow
from kluster_integrations.emulator._rate_limits import set_rate_limits
from kluster_integrations.emulator._state import (
    CHAT_PATH,
    EMBEDDINGS_PATH,
    VERIFY_PATH,
    EmulatorState,
    Fault,
    RecordedRequest,
    Settings,
)

#: The key the demo, notebooks and tests hand to the emulator; it accepts any non-empty key.
EMULATOR_API_KEY = "emulator-key"


class KlusterEmulator:
    """A kluster.ai emulator served by uvicorn on ``host:port`` (port 0: any free one).

    Use it as a context manager, or call ``start()`` and ``stop()``. Everything tests need is
    here: ``base_url``, ``queue_replies``, ``add_fault``, ``chat_requests`` (and
    ``embedding_requests``, ``verify_requests``), ``reset``, ``set_rate_limits`` /
    ``rate_limited``; ``settings`` changes latency, chunk delay and stream usage on the fly.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, settings: Settings | None = None
    ) -> None:
        self.state = EmulatorState(settings)
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client, ending in ``/v1``."""
        if self._socket is None:
            raise RuntimeError("The emulator is not running; call start() first.")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}/v1"

    def start(self, timeout: float = 10.0) -> KlusterEmulator:
        """Serve in a background thread; returns once the server accepts connections."""
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        config = uvicorn.Config(
            create_app(self.state),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            backlog=4096,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="kluster-emulator",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("The kluster.ai emulator did not start.")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving; open streams are cut after a one-second grace period."""
        thread = self._thread
        if self._server is not None:
            self._server.should_exit = True
        if thread is not None:
            thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        if thread is not None and thread.is_alive():
            raise RuntimeError("The kluster.ai emulator did not stop within 10 seconds.")

    def __enter__(self) -> KlusterEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # What tests use most, forwarded from the state.
    def queue_replies(self, *replies: Any) -> None:
        """Queue chat answers; a string is the text, anything else is sent as JSON."""
        self.state.queue_replies(*replies)

    def add_fault(self, fault: Fault | None = None, **spec: Any) -> None:
        """Make the next request(s) fail: ``add_fault(status=429, retry_after=1)``."""
        self.state.add_fault(fault or Fault(**spec))

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.state.requests

    def chat_requests(self) -> list[dict[str, Any]]:
        """Bodies received on /v1/chat/completions, oldest first."""
        return self.state.bodies(CHAT_PATH)

    def embedding_requests(self) -> list[dict[str, Any]]:
        """Bodies received on /v1/embeddings, oldest first."""
        return self.state.bodies(EMBEDDINGS_PATH)

    def verify_requests(self) -> list[dict[str, Any]]:
        """Bodies received on /v1/verify/reliability, oldest first."""
        return self.state.bodies(VERIFY_PATH)

    def reset(self) -> None:
        self.state.reset()

    def set_rate_limits(
        self,
        requests_per_minute: int | None = None,
        max_concurrent: int | None = None,
        *,
        tier: str | None = None,
        window: RateWindow = "sliding",
    ) -> None:
        """Answer 429 with ``Retry-After`` past these limits, per API key and model (no
        arguments: no limits). ``tier="trial"`` takes kluster.ai's Trial figures (and its
        cap of requests per batch); ``window="fixed"`` counts calendar minutes."""
        set_rate_limits(self.state, requests_per_minute, max_concurrent, tier=tier, window=window)

    def rate_limited(self) -> list[RateLimited]:
        """The 429s the rate limits gave since the last reset, oldest first."""
        return self.state.rate_ledger.rejections()
