"""The emulator's rate limits, as kluster.ai enforces them: per API key and model, 429 with
``Retry-After`` past ``requests_per_minute`` or ``max_concurrent``; off unless asked.

Ways to ask: ``KlusterEmulator.set_rate_limits(...)`` (the pytest fixtures reset them after
each test), ``python -m kluster_integrations.emulator --tier trial`` (or
``--requests-per-minute`` / ``--max-concurrent`` / ``--rate-window``), and
``POST /_emulator/rate_limits`` with the same fields as JSON. A tier also caps the
requests per batch (``BatchStore.max_requests_per_batch``). While limits are set, the
extended model list states them under ``limits``, as kluster.ai's does. Batch lines are
not rate limited (they are not real-time requests). ``GET /_emulator/rate_limited`` lists
the 429s given.

A request counts as being answered from its arrival until the last piece of its answer is
handed to the server (``AnswerEnds``), streams included.

Example::

    emulator.set_rate_limits(tier="trial")          # 30 requests/min, 20 at once, 999/batch
    emulator.set_rate_limits(requests_per_minute=600, max_concurrent=5, window="fixed")
    emulator.rate_limited()                          # [RateLimited(model, limit, retry_after)]
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kluster_integrations.core.contract import TIER_LIMITS
from kluster_integrations.core.errors import InvalidRateLimitError
from kluster_integrations.core.rate_limits import rate_limit_settings
from kluster_integrations.emulator._batch_store import batch_store
from kluster_integrations.emulator._rate_ledger import RateWindow, Ticket
from kluster_integrations.emulator._state import EmulatorState, Settings

#: Where a request's ``Ticket`` waits in its ASGI scope for its answer to end.
TICKET_SCOPE_KEY = "kluster_emulator.rate_ticket"
_WINDOWS = ("sliding", "fixed")


def set_rate_limits(
    state: EmulatorState,
    requests_per_minute: int | None = None,
    max_concurrent: int | None = None,
    *,
    tier: str | None = None,
    window: RateWindow = "sliding",
) -> None:
    """Enforce these limits from now on (all ``None``: none); a ``tier`` fills in the
    figures not given and caps the requests per batch. ``InvalidRateLimitError`` for values
    that are no limit."""
    try:
        checked = rate_limit_settings(requests_per_minute, max_concurrent, tier)
    except InvalidRateLimitError as err:
        if err.field != "max_concurrent_requests":
            raise
        expected = "a whole number above 0, or None for no limit"
        raise InvalidRateLimitError("max_concurrent", max_concurrent, expected) from None
    if window not in _WINDOWS:
        raise ValueError(f"window must be 'sliding' or 'fixed', not {window!r}.")
    limits = TIER_LIMITS[checked.tier] if checked.tier is not None else None
    settings = state.settings
    settings.requests_per_minute = checked.requests_per_minute or (
        limits.requests_per_minute if limits else None
    )
    settings.max_concurrent = checked.max_concurrent_requests or (
        limits.concurrent_requests if limits else None
    )
    settings.rate_window = window
    batch_store(state).max_requests_per_batch = limits.max_batch_requests if limits else None


def admit(state: EmulatorState, scope: Scope, key: str, body: Any) -> Ticket:
    """Count an arriving chat or embeddings request; its ticket ends with its answer."""
    settings = state.settings
    model = body.get("model") if isinstance(body, dict) else None
    ticket = state.rate_ledger.admit(
        key,
        model if isinstance(model, str) else "",
        requests_per_minute=settings.requests_per_minute,
        max_concurrent=settings.max_concurrent,
        window=settings.rate_window,
    )
    scope[TICKET_SCOPE_KEY] = ticket
    return ticket


def listed_limits(settings: Settings) -> dict[str, Any] | None:
    """The ``limits`` of each extended model-list entry, while limits are set."""
    limits: dict[str, Any] = {}
    if settings.max_concurrent is not None:
        limits["concurrent_requests"] = settings.max_concurrent
    if settings.requests_per_minute is not None:
        limits["request_limit"] = settings.requests_per_minute
        limits["request_limit_time_unit"] = "minute"
    return limits or None


class AnswerEnds:
    """ASGI middleware: ends a request's ticket as the last piece of its answer is handed
    over (before it can reach the client), or when the request ends otherwise."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                _end(scope)
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            _end(scope)


def _end(scope: Scope) -> None:
    ticket = scope.get(TICKET_SCOPE_KEY)
    if ticket is not None:
        ticket.done()


def rate_limit_routes(state: EmulatorState) -> list[Route]:
    """``POST /_emulator/rate_limits`` and ``GET /_emulator/rate_limited``."""

    async def configure(request: Request) -> JSONResponse:
        spec = await request.json()
        try:
            set_rate_limits(
                state,
                spec.get("requests_per_minute"),
                spec.get("max_concurrent"),
                tier=spec.get("tier"),
                window=spec.get("window", "sliding"),
            )
        except ValueError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        settings = state.settings
        return JSONResponse(
            {
                "requests_per_minute": settings.requests_per_minute,
                "max_concurrent": settings.max_concurrent,
                "window": settings.rate_window,
            }
        )

    async def rate_limited(request: Request) -> JSONResponse:
        return JSONResponse([asdict(r) for r in state.rate_ledger.rejections()])

    return [
        Route("/_emulator/rate_limits", configure, methods=["POST"]),
        Route("/_emulator/rate_limited", rate_limited, methods=["GET"]),
    ]
