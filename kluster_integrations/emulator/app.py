"""The emulator's HTTP routes, as a Starlette application.

``create_app(state)`` serves what kluster.ai serves (``/v1/chat/completions``,
``/v1/models``, ``/v1/embeddings``) and a small control API under ``/_emulator/`` for
emulators started in another process (``python -m kluster_integrations.emulator``):

- ``GET /_emulator/requests``: the request log;
- ``POST /_emulator/replies``: ``{"replies": [...]}`` queues chat answers;
- ``POST /_emulator/faults``: ``{"faults": [{"status": 429, "retry_after": 1}]}``;
- ``POST /_emulator/reset``: forget requests, replies and faults.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import struct
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from kluster_integrations.core.catalog import KNOWN_MODELS, ModelInfo, lookup_model
from kluster_integrations.core.contract import EMBEDDING_MAX_INPUTS
from kluster_integrations.core.validation import request_problems
from kluster_integrations.emulator import replies
from kluster_integrations.emulator.checks import contract_violations, embedding_violations
from kluster_integrations.emulator.state import (
    CHAT_PATH,
    EMBEDDINGS_PATH,
    EmulatorState,
    Fault,
    RecordedRequest,
)

_HIDDEN_HEADERS = frozenset({"authorization", "api-key"})


class StreamCut(Exception):
    """Raised inside a streaming body to drop the connection mid-way."""


class _HideStreamCuts(logging.Filter):
    """Keep uvicorn from logging a traceback for a connection drop the test asked for."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], StreamCut))


logging.getLogger("uvicorn.error").addFilter(_HideStreamCuts())


def error_response(status: int, message: str, *, param: str | None = None,
                   code: str | None = None, kind: str = "invalid_request_error",
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An OpenAI-style error body, which the openai SDK maps to its typed exceptions."""
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def create_app(state: EmulatorState) -> Starlette:
    """The emulator as an ASGI app bound to ``state``."""
    ids = itertools.count(1)

    async def admit(request: Request, path: str) -> tuple[Any, Fault | None, Response | None]:
        """Log the request, then check auth, JSON and faults; a Response means stop."""
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode(errors="replace")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HIDDEN_HEADERS}
        state.record(RecordedRequest(request.method, path, body, headers))

        settings = state.settings
        if settings.latency:
            await asyncio.sleep(settings.latency)
        key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not key or (settings.api_key is not None and key != settings.api_key):
            return body, None, error_response(
                401, "Invalid or missing API key. Send 'Authorization: Bearer <key>'.",
                kind="authentication_error", code="invalid_api_key")
        fault = state.take_fault(path)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
                kind = "rate_limit_error" if fault.status == 429 else "server_error"
                return body, fault, error_response(
                    fault.status, f"Emulated fault: HTTP {fault.status}.", kind=kind,
                    headers=headers)
            if fault.malformed:
                return body, fault, Response("<html>not json", media_type="application/json")
        if request.method == "POST" and not isinstance(body, dict):
            return body, fault, error_response(400, "The request body must be a JSON object.")
        return body, fault, None

    def known_model(model_id: Any) -> ModelInfo | Response:
        info = lookup_model(str(model_id))
        if info is not None:
            return info
        if str(model_id).startswith("ft:") or model_id in state.settings.extra_models:
            return ModelInfo(str(model_id), 32_000, 4_000)
        return error_response(404, f"The model `{model_id}` does not exist or you do not have "
                              "access to it.", param="model", code="model_not_found")

    async def chat_completions(request: Request) -> Response:
        body, fault, stop = await admit(request, CHAT_PATH)
        if stop is not None:
            return stop
        violations = contract_violations(body)
        if violations:
            names = ", ".join(name for name, _ in violations)
            detail = " ".join(reason for _, reason in violations)
            return error_response(400, f"Unsupported parameter(s): {names}. {detail}",
                                  param=violations[0][0], code="unsupported_parameter")
        problems = request_problems(body)
        if problems:
            return error_response(400, " ".join(problems), code="invalid_value")
        info = known_model(body["model"])
        if isinstance(info, Response):
            return info
        if not info.is_chat:
            return error_response(400, f"{info.id} is an embeddings model; use /v1/embeddings.",
                                  param="model")
        scripted = state.next_reply()
        if scripted is None:
            text = replies.chat_reply(body)
        else:
            text = scripted if isinstance(scripted, str) else json.dumps(scripted)
        prompt_tokens = sum(replies.count_tokens(replies.message_text(m.get("content")))
                            for m in body["messages"])
        text, finish = _limit(text, body.get("max_completion_tokens"))
        completion_id = f"chatcmpl-emu-{next(ids)}"
        usage = {"prompt_tokens": prompt_tokens,
                 "completion_tokens": replies.count_tokens(text),
                 "total_tokens": prompt_tokens + replies.count_tokens(text)}
        if body.get("stream"):
            return StreamingResponse(
                _stream(state, completion_id, body["model"], text, finish, usage, fault),
                media_type="text/event-stream")
        return JSONResponse({
            "id": completion_id, "object": "chat.completion", "created": int(time.time()),
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": finish, "logprobs": None}],
            "usage": usage,
        })

    async def embeddings(request: Request) -> Response:
        body, _, stop = await admit(request, EMBEDDINGS_PATH)
        if stop is not None:
            return stop
        info = known_model(body.get("model"))
        if isinstance(info, Response):
            return info
        if info.purpose != "embeddings":
            return error_response(400, f"{info.id} is not an embeddings model.", param="model")
        violations = embedding_violations(body, EMBEDDING_MAX_INPUTS)
        if violations:
            return error_response(400, " ".join(reason for _, reason in violations),
                                  param=violations[0][0], code="unsupported_parameter")
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(inputs):
            vector = replies.embed_text(text)
            encoded: Any = (base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
                            if as_base64 else vector)
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(replies.count_tokens(t) for t in inputs)
        return JSONResponse({
            "object": "list", "data": data, "model": info.id, "created": int(time.time()),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        })

    async def models(request: Request) -> Response:
        _, _, stop = await admit(request, "/v1/models")
        if stop is not None:
            return stop
        extended = request.query_params.get("extended") == "true"
        return JSONResponse({"object": "list",
                             "data": [_model_entry(m, extended) for m in KNOWN_MODELS.values()]})

    async def control_requests(request: Request) -> Response:
        return JSONResponse([asdict(r) for r in state.requests])

    async def control_replies(request: Request) -> Response:
        state.queue_replies(*(await request.json()).get("replies", []))
        return JSONResponse({"queued": True})

    async def control_faults(request: Request) -> Response:
        state.add_faults(Fault(**spec) for spec in (await request.json()).get("faults", []))
        return JSONResponse({"added": True})

    async def control_reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    return Starlette(routes=[
        Route(CHAT_PATH, chat_completions, methods=["POST"]),
        Route(EMBEDDINGS_PATH, embeddings, methods=["POST"]),
        Route("/v1/models", models, methods=["GET"]),
        Route("/_emulator/requests", control_requests, methods=["GET"]),
        Route("/_emulator/replies", control_replies, methods=["POST"]),
        Route("/_emulator/faults", control_faults, methods=["POST"]),
        Route("/_emulator/reset", control_reset, methods=["POST"]),
    ])


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


def _chunk(completion_id: str, model: str, delta: dict[str, Any], finish: str | None,
           usage: dict[str, int] | None = None) -> str:
    payload: dict[str, Any] = {
        "id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    if usage is not None:
        payload["usage"] = usage
    return f"data: {json.dumps(payload)}\n\n"


async def _stream(state: EmulatorState, completion_id: str, model: str, text: str, finish: str,
                  usage: dict[str, int], fault: Fault | None) -> AsyncIterator[str]:
    delay = state.settings.chunk_delay
    yield _chunk(completion_id, model, {"role": "assistant", "content": ""}, None)
    pieces = [p for p in text.split(" ")]
    for i, piece in enumerate(pieces):
        if fault is not None and fault.cut_after_chunks is not None and i >= fault.cut_after_chunks:
            if fault.cut_mode == "abort":
                raise StreamCut("emulated connection drop")
            return
        if delay:
            await asyncio.sleep(delay)
        yield _chunk(completion_id, model, {"content": piece if i == 0 else " " + piece}, None)
    yield _chunk(completion_id, model, {}, finish,
                 usage if state.settings.stream_usage else None)
    yield "data: [DONE]\n\n"


def _model_entry(info: ModelInfo, extended: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": info.id, "object": "model", "created": 1_735_689_600,
                             "owned_by": info.id.split("/", 1)[0]}
    if extended:
        entry.update({
            "context_length": info.context_window,
            "output_length": info.max_output_tokens,
            "model_purpose": info.purpose,
            "tools_supported": False,
            "reasoning_model": "yes" if info.supports("reasoning") else "no",
            "tags": sorted(info.capabilities - {"reasoning", "embeddings"}),
            "limits": {"concurrent_requests": 100},
        })
    return entry
