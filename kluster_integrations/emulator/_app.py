"""The emulator's HTTP routes, as a Starlette application.

``create_app(state)`` serves what kluster.ai serves (``/v1/chat/completions``,
``/v1/models``, ``/v1/embeddings``, ``/v1/verify/reliability``) with OpenAI-style error
bodies, plus the control API of ``control.py``, and the rate limits of ``_rate_limits``
when asked. Every request is logged before it is judged, so tests see what was sent even
when it was refused.

Example::

    uvicorn.run(create_app(EmulatorState()), port=8765)
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import struct
import time
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from kluster_integrations.core.contract import (
    EMBEDDING_MAX_INPUTS,
    FINE_TUNED_PREFIX,
    KNOWN_MODELS,
    VERIFY_CAPABILITY,
    VERIFY_MODEL,
    ModelInfo,
    unknown_model,
)
from kluster_integrations.core.models import lookup_model
from kluster_integrations.core.request import request_problems
from kluster_integrations.core.verify import verify_request_problems
from kluster_integrations.emulator import _rate_limits as rate_limits
from kluster_integrations.emulator import _reasoning as reasoning
from kluster_integrations.emulator import _replies as replies
from kluster_integrations.emulator import _tools as tool_replies
from kluster_integrations.emulator import _verify as verify_replies
from kluster_integrations.emulator._batch_runner import BATCH_LINE_HEADER
from kluster_integrations.emulator._batches import batch_routes
from kluster_integrations.emulator._control import control_routes
from kluster_integrations.emulator._drift import accepted_anyway, changed_listing
from kluster_integrations.emulator._hostile import hostile_answer
from kluster_integrations.emulator._listing import model_entry
from kluster_integrations.emulator._refusals import (
    contract_violations,
    embedding_violations,
    refusal_message,
)
from kluster_integrations.emulator._sse import quiet_uvicorn_logs, stream_completion
from kluster_integrations.emulator._state import (
    CHAT_PATH,
    EMBEDDINGS_PATH,
    VERIFY_PATH,
    EmulatorState,
    Fault,
    RecordedRequest,
)

_HIDDEN_HEADERS = frozenset({"authorization", "api-key"})
_ERROR_KINDS = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


def error_response(
    status: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    kind: str = "invalid_request_error",
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An OpenAI-style error body, which the openai SDK maps to its typed exceptions."""
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def create_app(state: EmulatorState) -> Starlette:
    """The emulator as an ASGI app bound to ``state``."""
    quiet_uvicorn_logs()
    ids = itertools.count(1)
    verify_window = KNOWN_MODELS[VERIFY_MODEL].context_window  # the server's own table

    async def admit(request: Request, path: str) -> tuple[Any, Fault | None, Response | None]:
        """Log the request, then check auth, JSON and faults; a Response means stop."""
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode(errors="replace")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HIDDEN_HEADERS}
        key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        ticket = None
        limited = path in (CHAT_PATH, EMBEDDINGS_PATH) and BATCH_LINE_HEADER not in request.headers
        if key and limited:  # model requests, not batch lines
            ticket = rate_limits.admit(state, request.scope, key, body)
        in_flight = ticket.in_flight if ticket is not None else None
        state.record(RecordedRequest(request.method, path, body, headers, in_flight))
        if ticket is not None and ticket.retry_after is not None:
            return body, None, _rate_limited(ticket.retry_after)

        settings = state.settings
        if settings.latency:
            await asyncio.sleep(settings.latency)
        if not key or (settings.api_key is not None and key != settings.api_key):
            return (
                body,
                None,
                error_response(
                    401,
                    "Invalid or missing API key. Send 'Authorization: Bearer <key>'.",
                    kind="authentication_error",
                    code="invalid_api_key",
                ),
            )
        fault = state.take_fault(path)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                headers = (
                    {"Retry-After": f"{fault.retry_after:g}"}
                    if fault.retry_after is not None
                    else {}
                )
                if fault.body is not None:
                    return (
                        body,
                        fault,
                        JSONResponse(fault.body, status_code=fault.status, headers=headers),
                    )
                return (
                    body,
                    fault,
                    error_response(
                        fault.status,
                        f"Emulated fault: HTTP {fault.status}.",
                        kind=_ERROR_KINDS.get(
                            fault.status,
                            "server_error" if fault.status >= 500 else "invalid_request_error",
                        ),
                        headers=headers,
                    ),
                )
            if fault.answer is not None:
                return body, fault, hostile_answer(fault.answer, body, key, fault.answer_bytes)
            if fault.malformed:
                return body, fault, Response("<html>not json", media_type="application/json")
        if request.method == "POST" and not isinstance(body, dict):
            return body, fault, error_response(400, "The request body must be a JSON object.")
        return body, fault, None

    def known_model(model_id: Any) -> ModelInfo | Response:
        info = lookup_model(str(model_id), KNOWN_MODELS)  # the server's own table
        if info is not None:
            return info
        if str(model_id).startswith(FINE_TUNED_PREFIX) or model_id in state.settings.extra_models:
            return unknown_model(str(model_id))
        return error_response(
            404,
            f"The model `{model_id}` does not exist or you do not have access to it.",
            param="model",
            code="model_not_found",
        )

    async def chat_completions(request: Request) -> Response:
        body, fault, stop = await admit(request, CHAT_PATH)
        if stop is not None:
            return stop
        violations = accepted_anyway(contract_violations(body), state.settings.accepts_anyway)
        if violations:
            return error_response(
                400,
                refusal_message(violations),
                param=violations[0][0],
                code="unsupported_parameter",
            )
        problems = request_problems(body)
        if problems:
            return error_response(400, " ".join(problems), code="invalid_value")
        info = known_model(body["model"])
        if isinstance(info, Response):
            return info
        if not info.is_chat:
            return error_response(
                400, f"{info.id} is an embeddings model; use /v1/embeddings.", param="model"
            )
        checks_answers = info.supports(VERIFY_CAPABILITY)
        if checks_answers:
            problems = verify_request_problems({"messages": body["messages"]}, verify_window)
            if problems:
                return error_response(400, " ".join(problems), code="invalid_value")
        scripted = state.next_reply()
        calls = None
        if scripted is None and checks_answers:
            text = verify_replies.chat_verdict(body["messages"])
        elif scripted is None:
            text, calls = tool_replies.answer(body)
            if not calls:
                text = reasoning.with_thinking(info, body, text)
        else:
            text = scripted if isinstance(scripted, str) else json.dumps(scripted)
        prompt_tokens = sum(
            replies.count_tokens(replies.message_text(m.get("content"))) for m in body["messages"]
        )
        text, finish = _limit(text, body.get("max_completion_tokens"))
        completion_id = f"chatcmpl-emu-{next(ids)}"
        field = state.settings.reasoning_field
        thought, text_out = reasoning.move_to_field(text) if field else (None, text)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": replies.count_tokens(text),
            "total_tokens": prompt_tokens + replies.count_tokens(text),
        }
        if calls:
            if body.get("stream"):
                return StreamingResponse(
                    tool_replies.stream_tool_calls(
                        state, completion_id, body["model"], calls, usage, fault
                    ),
                    media_type="text/event-stream",
                )
            return JSONResponse(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": tool_replies.tool_call_message(calls),
                            "finish_reason": "tool_calls",
                            "logprobs": None,
                        }
                    ],
                    "usage": usage,
                }
            )
        in_field = {field: thought} if field and thought is not None else None
        if body.get("stream"):
            return StreamingResponse(
                stream_completion(
                    state,
                    completion_id,
                    body["model"],
                    text_out,
                    finish,
                    usage,
                    fault,
                    reasoning=in_field,
                ),
                media_type="text/event-stream",
            )
        message = {"role": "assistant", "content": text_out, **(in_field or {})}
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
                ],
                "usage": usage,
            }
        )

    async def embeddings(request: Request) -> Response:
        body, _, stop = await admit(request, EMBEDDINGS_PATH)
        if stop is not None:
            return stop
        info = known_model(body.get("model"))
        if isinstance(info, Response):
            return info
        if info.purpose != "embeddings":
            return error_response(400, f"{info.id} is not an embeddings model.", param="model")
        violations = accepted_anyway(
            embedding_violations(body, EMBEDDING_MAX_INPUTS), state.settings.accepts_anyway
        )
        if violations:
            return error_response(
                400,
                refusal_message(violations),
                param=violations[0][0],
                code="unsupported_parameter",
            )
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(inputs):
            vector = replies.embed_text(text)
            encoded: Any = (
                base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
                if as_base64
                else vector
            )
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(replies.count_tokens(t) for t in inputs)
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": info.id,
                "created": int(time.time()),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    async def verify(request: Request) -> Response:
        body, _, stop = await admit(request, VERIFY_PATH)
        if stop is not None:
            return stop
        problems = verify_request_problems(body, verify_window)
        if problems:
            return error_response(400, " ".join(problems), code="invalid_value")
        return JSONResponse(verify_replies.verify_answer(body))

    async def models(request: Request) -> Response:
        _, _, stop = await admit(request, "/v1/models")
        if stop is not None:
            return stop
        extended = request.query_params.get("extended") == "true"
        listing = [model_entry(m, extended) for m in KNOWN_MODELS.values()]
        limits = rate_limits.listed_limits(state.settings) if extended else None
        listing = [{**entry, "limits": limits} for entry in listing] if limits else listing
        return JSONResponse(
            {"object": "list", "data": changed_listing(listing, state.settings.listing_changes)}
        )

    return Starlette(
        routes=[
            Route(CHAT_PATH, chat_completions, methods=["POST"]),
            Route(EMBEDDINGS_PATH, embeddings, methods=["POST"]),
            Route(VERIFY_PATH, verify, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            *batch_routes(state),
            *control_routes(state),
            *rate_limits.rate_limit_routes(state),
        ],
        exception_handlers={HTTPException: _http_error},
        middleware=[Middleware(rate_limits.AnswerEnds)],
    )


def _rate_limited(retry_after: int) -> Response:
    return error_response(
        429,
        "Rate limit reached for this API key and model; retry after the time given.",
        kind="rate_limit_error",
        code="rate_limit_exceeded",
        headers={"Retry-After": str(retry_after)},
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return error_response(
        status,
        f"{request.method} {request.url.path}: {exc}",
        code="not_found" if status == 404 else None,
    )


def _limit(text: str, max_tokens: int | None) -> tuple[str, str]:
    if max_tokens is None:
        return text, "stop"
    words = text.split(" ")
    if replies.count_tokens(text) <= max_tokens:
        return text, "stop"
    kept: list[str] = []
    for word in words:
        if replies.count_tokens(" ".join([*kept, word])) > max_tokens:
            break
        kept.append(word)
    return " ".join(kept), "length"
