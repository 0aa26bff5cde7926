"""An async HTTP client that keeps one connection pool per event loop.

Both frameworks keep one async openai client per model object (langchain-openai even
shares one cached ``httpx.AsyncClient`` per base URL across instances). Pooled connections
belong to the event loop that opened them, so after ``asyncio.run`` returns, the next
``asyncio.run`` (or a restarted Jupyter kernel loop) meets a dead connection: "Connection
error." / "Event loop is closed", or a silent retry that sends the request twice.
``loop_local_async_client`` routes each request to a pool owned by the running loop; a
loop's pool is forgotten when the loop is garbage-collected.

Example::

    client = loop_local_async_client()
    asyncio.run(use(client))      # pool A
    asyncio.run(use(client))      # pool B, no stale connections
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable

import httpx
import openai

from kluster_integrations.core.contract import CONCURRENT_REQUEST_LIMIT


class LoopLocalAsyncTransport(httpx.AsyncBaseTransport):
    """Sends each request through a transport created for the running event loop."""

    def __init__(self, factory: Callable[[], httpx.AsyncBaseTransport] | None = None) -> None:
        self._factory = factory or _kluster_sized_transport
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, httpx.AsyncBaseTransport
        ] = weakref.WeakKeyDictionary()
        self._without_loop: httpx.AsyncBaseTransport | None = None
        self._lock = threading.Lock()

    def _current(self) -> httpx.AsyncBaseTransport:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # another async library (trio): one shared pool
            with self._lock:
                if self._without_loop is None:
                    self._without_loop = self._factory()
                return self._without_loop
        with self._lock:
            transport = self._by_loop.get(loop)
            if transport is None:
                transport = self._by_loop[loop] = self._factory()
            return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._current().handle_async_request(request)

    async def aclose(self) -> None:
        """Close the running loop's pool; pools of other loops cannot be closed from here."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            transport, self._without_loop = self._without_loop, None
        else:
            with self._lock:
                transport = self._by_loop.pop(loop, None)
        if transport is not None:
            await transport.aclose()


def _kluster_sized_transport() -> httpx.AsyncBaseTransport:
    """A pool that opens no more connections than kluster.ai serves at once per account."""
    return httpx.AsyncHTTPTransport(limits=httpx.Limits(
        max_connections=CONCURRENT_REQUEST_LIMIT, max_keepalive_connections=20))


def loop_local_async_client() -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` with the openai SDK's defaults and a pool per event loop."""
    return openai.DefaultAsyncHttpxClient(transport=LoopLocalAsyncTransport())
