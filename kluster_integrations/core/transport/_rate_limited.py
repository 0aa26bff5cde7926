"""The account's rate limit on every request, as httpx transports.

``RateLimitedTransport`` (sync) and ``AsyncRateLimitedTransport`` wrap the guarded
transports of ``core.transport``: every request the openai SDK sends through a model
object's clients, each retry and the Batch API's uploads and polls included, takes a slot
of its account's budget for its model (``core.rate_limits``) before it is sent, and gives
it back once its answer has been read, failed or been dropped. Its answer's status tells
the budget about 429s and their ``Retry-After``. The account is the request's bearer key
on the request's server; the model is the JSON body's ``model`` (none for uploads, polls
and the model list). While no account of the process has limits, a request costs one check.

The wait counts against an explicit ``deadline`` (``RateLimitWaitError`` when it passes)
but not against the default one, which starts over after the wait.

Example::

    transport = RateLimitedTransport(
        GuardedTransport(httpx.HTTPTransport(), options), Declaration(settings), options
    )
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import AsyncIterator, Iterator
from typing import cast

import httpx

from kluster_integrations.core.errors import RateLimitWaitError
from kluster_integrations.core.rate_limits import (
    Account,
    Declaration,
    ModelLimits,
    RateLimitSettings,
    Slot,
    account_of,
    accounts_generation,
    limits_in_use,
)
from kluster_integrations.core.transport._guards import GuardOptions, call_end, note_queued

#: A model object without rate-limit options of its own.
NO_DECLARATION = Declaration(RateLimitSettings())
#: A ``Retry-After`` value longer than this is not a number of seconds or a date.
_RETRY_AFTER_CHARS = 64


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds an answer asks to wait: ``retry-after-ms``, else ``Retry-After`` as
    seconds or an HTTP date; ``None`` when absent or unreadable."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None or len(value) > _RETRY_AFTER_CHARS:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            if scale != 1.0:
                continue
            try:
                seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError, OverflowError):
                continue
        if math.isfinite(seconds):
            return max(seconds, 0.0)
    return None


def model_of(request: httpx.Request) -> str | None:
    """The ``model`` of a JSON request body, if any."""
    if request.method != "POST" or "json" not in request.headers.get("content-type", ""):
        return None
    try:
        body = json.loads(request.content)
    except (ValueError, httpx.RequestNotRead):
        return None
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None


class _Limited:
    """What both transports share: which budget a request takes a slot of, and how long
    it may wait."""

    def __init__(self, declaration: Declaration, options: GuardOptions) -> None:
        self._declaration = declaration
        self._options = options
        self._last: tuple[tuple[str, str, bytes, int], Account] | None = None

    def _account(self, request: httpx.Request) -> Account | None:
        if self._declaration.settings.is_empty and not limits_in_use():
            return None  # no limits anywhere: nothing to look up
        authorization = request.headers.get("authorization", "")
        url = request.url
        where = (authorization, url.scheme, url.netloc, accounts_generation())
        last = self._last  # the account of the previous request, most often this one's
        if last is not None and last[0] == where:
            account = last[1]
        else:
            key = authorization.removeprefix("Bearer ").strip()
            if not key:
                return None
            account = account_of(key, url)
            self._last = (where, account)
        account.declare(self._declaration)
        return account if account.is_limited else None

    def _wait_error(
        self, end: tuple[float, float] | None, model: str | None, limits: ModelLimits
    ) -> RateLimitWaitError:
        deadline = end[1] if end is not None else 0.0
        return RateLimitWaitError(deadline, model, limits.describe())


class RateLimitedTransport(_Limited, httpx.BaseTransport):
    """Takes a slot of the account's budget for each request of the wrapped transport."""

    def __init__(
        self, inner: httpx.BaseTransport, declaration: Declaration, options: GuardOptions
    ) -> None:
        super().__init__(declaration, options)
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        account = self._account(request)
        if account is None:
            return self._inner.handle_request(request)
        model = model_of(request)
        limits = account.limits_for(model)
        if limits.is_off:
            return self._inner.handle_request(request)
        end = call_end(self._options)
        slot = account.budget(model).acquire(limits, end[0] if end else None)
        if slot is None:
            raise self._wait_error(end, model, limits)
        note_queued(slot.waited)
        try:
            response = self._inner.handle_request(request)
        except BaseException:
            slot.release()
            raise
        slot.answered(response.status_code, retry_after(response.headers))
        if response.is_closed:
            slot.release()
        else:
            response.stream = _ReleasingStream(cast(httpx.SyncByteStream, response.stream), slot)
        return response

    def close(self) -> None:
        self._inner.close()


class AsyncRateLimitedTransport(_Limited, httpx.AsyncBaseTransport):
    """The async form of ``RateLimitedTransport``: waits without blocking the loop."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, declaration: Declaration, options: GuardOptions
    ) -> None:
        super().__init__(declaration, options)
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        account = self._account(request)
        if account is None:
            return await self._inner.handle_async_request(request)
        model = model_of(request)
        limits = account.limits_for(model)
        if limits.is_off:
            return await self._inner.handle_async_request(request)
        end = call_end(self._options)
        slot = await account.budget(model).aacquire(limits, end[0] if end else None)
        if slot is None:
            raise self._wait_error(end, model, limits)
        note_queued(slot.waited)
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            slot.release()
            raise
        slot.answered(response.status_code, retry_after(response.headers))
        if response.is_closed:
            slot.release()
        else:
            stream = cast(httpx.AsyncByteStream, response.stream)
            response.stream = _AsyncReleasingStream(stream, slot)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _ReleasingStream(httpx.SyncByteStream):
    """An answer's body that gives its slot back once read, closed or collected."""

    def __init__(self, inner: httpx.SyncByteStream, slot: Slot) -> None:
        self._inner = inner
        self._slot = slot

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        finally:
            self._slot.release()

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._slot.release()

    def __del__(self) -> None:
        self._slot.release()


class _AsyncReleasingStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, slot: Slot) -> None:
        self._inner = inner
        self._slot = slot

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for piece in self._inner:
                yield piece
        finally:
            self._slot.release()

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._slot.release()

    def __del__(self) -> None:
        self._slot.release()
