"""The emulator's control API, for an emulator running in another process.

- ``GET /_emulator/requests``: the request log;
- ``POST /_emulator/replies``: ``{"replies": [...]}`` queues chat answers;
- ``POST /_emulator/faults``: ``{"faults": [{"status": 429, "retry_after": 1}]}``;
- ``POST /_emulator/reset``: forget requests, replies and faults.

Example::

    httpx.post("http://127.0.0.1:8765/_emulator/replies", json={"replies": ["Hi!"]})
"""

from __future__ import annotations

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kluster_integrations.emulator._state import EmulatorState, Fault


def control_routes(state: EmulatorState) -> list[Route]:
    async def requests(request: Request) -> JSONResponse:
        return JSONResponse([asdict(r) for r in state.requests])

    async def replies(request: Request) -> JSONResponse:
        state.queue_replies(*(await request.json()).get("replies", []))
        return JSONResponse({"queued": True})

    async def faults(request: Request) -> JSONResponse:
        state.add_faults(Fault(**spec) for spec in (await request.json()).get("faults", []))
        return JSONResponse({"added": True})

    async def reset(request: Request) -> JSONResponse:
        state.reset()
        return JSONResponse({"reset": True})

    return [
        Route("/_emulator/requests", requests, methods=["GET"]),
        Route("/_emulator/replies", replies, methods=["POST"]),
        Route("/_emulator/faults", faults, methods=["POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
    ]
