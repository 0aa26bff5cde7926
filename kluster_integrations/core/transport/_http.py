"""An async HTTP client that keeps one connection pool per event loop.

Both frameworks keep one async openai client per model object (langchain-openai even
shares one cached ``httpx.AsyncClient`` per base URL across instances). Pooled connections
belong to the event loop that opened them, so after ``asyncio.run`` returns, the next
``asyncio.run`` (or a restarted Jupyter kernel loop) meets a dead connection: "Connection
error." / "Event loop is closed", or a silent retry that sends the request twice.
``LoopLocalAsyncTransport`` routes each request to a pool owned by the running loop. The
pool is closed while that loop shuts down (``asyncio.run`` finalizes async generators
before closing its loop, and the pool registers one), so a process that calls
``asyncio.run`` per job keeps open files and live loops flat; pools of loops closed
without that step are dropped the next time a new loop is seen.

Example::

    client = httpx.AsyncClient(transport=LoopLocalAsyncTransport())
    asyncio.run(use(client))      # pool A
    asyncio.run(use(client))      # pool B, no stale connections
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator, Callable

import httpx

from kluster_integrations.core.contract import CONCURRENT_REQUEST_LIMIT


class LoopLocalAsyncTransport(httpx.AsyncBaseTransport):
    """Sends each request through a transport created for the running event loop."""

    def __init__(self, factory: Callable[[], httpx.AsyncBaseTransport] | None = None) -> None:
        self._factory = factory or _kluster_sized_transport
        # A pool's connections refer to their loop, so a weak key alone never lets go.
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncBaseTransport, AsyncIterator[None]]
        ] = weakref.WeakKeyDictionary()
        self._without_loop: httpx.AsyncBaseTransport | None = None
        self._lock = threading.Lock()

    async def _current(self) -> httpx.AsyncBaseTransport:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # another async library (trio): one shared pool
            with self._lock:
                if self._without_loop is None:
                    self._without_loop = self._factory()
                return self._without_loop
        with self._lock:
            entry = self._by_loop.get(loop)
            if entry is not None:
                return entry[0]
            self._drop_closed_loops()
            transport = self._factory()
            shutdown_hook = self._close_at_loop_shutdown(transport)
            self._by_loop[loop] = (transport, shutdown_hook)
        await anext(shutdown_hook)  # the running loop now finalizes it at shutdown
        return transport

    async def _close_at_loop_shutdown(
        self, transport: httpx.AsyncBaseTransport
    ) -> AsyncIterator[None]:
        try:
            yield
        finally:
            with self._lock:
                self._by_loop.pop(asyncio.get_running_loop(), None)
            await transport.aclose()

    def _drop_closed_loops(self) -> None:
        """Forget pools of loops closed without finalizing async generators (their sockets
        close when collected)."""
        for loop in [loop for loop in self._by_loop if loop.is_closed()]:
            del self._by_loop[loop]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await (await self._current()).handle_async_request(request)

    async def aclose(self) -> None:
        """Close the running loop's pool; pools of other loops cannot be closed from here."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            transport, self._without_loop = self._without_loop, None
        else:
            with self._lock:
                entry = self._by_loop.pop(loop, None)
            transport = entry[0] if entry is not None else None
        if transport is not None:
            await transport.aclose()


#: Every pool, sync or async: no more connections than kluster.ai serves at once per account;
#: the openai SDK's number of idle connections kept.
POOL_LIMITS = httpx.Limits(max_connections=CONCURRENT_REQUEST_LIMIT, max_keepalive_connections=20)


def _kluster_sized_transport() -> httpx.AsyncBaseTransport:
    """A pool that opens no more connections than kluster.ai serves at once per account."""
    return httpx.AsyncHTTPTransport(limits=POOL_LIMITS)
