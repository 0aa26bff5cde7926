"""The request path: one chat request, as an adapter built it, made a ``PreparedRequest``.

``RequestPreparer.prepare_chat`` is the one call an adapter makes per request. In order:
earlier turns' thinking left out of the history (unless kept), an explicit
``response_format`` taken out and its schema written into the system prompt (kluster.ai
has no JSON mode; with ``strict`` one the user set is refused instead, as below), tools
planned native or into the prompt (``core.tools``), parameters kluster.ai refuses dropped
(silently when the framework put them in, with one warning per model object when the user
did, or raising in strict mode), the values validated. Nothing is sent; bad input raises a
typed error.

The result is typed: the body to send, the prompted-tools plan, the schema the answer must
match and where the thinking goes travel side by side, never as keys inside the body.

Example::

    preparer = RequestPreparer()
    prepared = preparer.prepare_chat(
        {"model": "mistralai/Mistral-Nemo-Instruct-2407", "messages": [...], "tools": [...]},
        user_chosen={"service_tier"},                 # warned about once, then dropped
        options=ChatOptions(tool_calling="auto"),
    )
    prepared.body      # what goes over the wire (no `tools`: they are in the prompt)
    prepared.tools     # the PromptedTools plan the answer path reads the reply with
    prepared.answer_schema   # from a response_format: the JSON the reply must be
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from kluster_integrations.core.reasoning import (
    ReasoningMode,
    resolve_reasoning_mode,
    strip_history_reasoning,
)
from kluster_integrations.core.request._sanitizer import SanitizedRequest, sanitize_request
from kluster_integrations.core.request._validation import check_request
from kluster_integrations.core.tools import (
    AnswerSchema,
    PromptedTools,
    ToolCallingMode,
    plan_request,
    take_response_format,
    with_system_text,
)

logger = logging.getLogger("kluster_integrations")


@dataclass(frozen=True)
class ChatOptions:
    """What a model object decides about each of its requests.

    ``invalid_as_calls``: prompted calls whose arguments break the schema are handed over
    as ordinary calls (LlamaIndex: the tool reports the problem) rather than apart
    (LangChain's ``invalid_tool_calls``).
    """

    tool_calling: ToolCallingMode = "auto"
    reasoning: str | None = None
    keep_reasoning_in_history: bool = False
    strict: bool = False
    invalid_as_calls: bool = False


@dataclass(frozen=True)
class PreparedRequest:
    """A chat request ready to send: ``create(**body)``; ``tools`` is the prompted-tools
    plan (``None``: no tools, or native ones in ``body``); ``reasoning`` is where the
    answer's thinking goes; ``answer_schema`` is the JSON an explicit ``response_format``
    asked for (in the prompt; the answer path checks the reply against it); ``options``,
    what it was prepared with."""

    body: dict[str, Any]
    tools: PromptedTools | None
    reasoning: ReasoningMode
    answer_schema: AnswerSchema | None = None
    options: ChatOptions = ChatOptions()

    @property
    def model(self) -> str:
        return str(self.body.get("model"))

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def read_whole(self) -> bool:
        """The answer is read whole even when streamed: a required prompted call (it may
        be asked for again) or JSON to check before any of it is handed over."""
        return self.answer_schema is not None or (self.tools is not None and self.tools.required)


def refuse_unsupported(params: Mapping[str, Any]) -> None:
    """Strict mode at construction: raise ``UnsupportedParameterError`` if the parameters a
    user configured on a model object include any that kluster.ai refuses."""
    extra = params.get("extra_body")
    named = set(params) | (set(extra) if isinstance(extra, Mapping) else set())
    sanitize_request(params, user_chosen=named, policy="raise")


class RequestPreparer:
    """Per-model-object request preparation; thread-safe. It remembers which parameters
    it already warned about, so each is reported once per model object."""

    def __init__(self) -> None:
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"warned": set(self._warned)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._warned = set(state["warned"])
        self._lock = threading.Lock()

    def prepare_chat(
        self,
        body: Mapping[str, Any],
        *,
        user_chosen: Collection[str] = (),
        options: ChatOptions = ChatOptions(),
    ) -> PreparedRequest:
        """``body`` (the keyword arguments of ``client.chat.completions.create``, as the
        framework built them) as kluster.ai accepts it; see the module docstring."""
        request = dict(body)
        if not options.keep_reasoning_in_history and "messages" in request:
            request["messages"] = strip_history_reasoning(request["messages"])
        answer = None
        if not (options.strict and "response_format" in user_chosen):  # else refused below
            request, answer = take_response_format(request)
        request, capabilities, tools = plan_request(
            request,
            options.tool_calling,
            invalid_as_calls=options.invalid_as_calls,
            json_answer=answer is not None,
        )
        if answer is not None and request.get("messages"):
            request["messages"] = with_system_text(request["messages"], answer.instruction())
        clean = self.sanitize(
            request, user_chosen=user_chosen, strict=options.strict, capabilities=capabilities
        )
        reasoning = resolve_reasoning_mode(str(clean.get("model")), options.reasoning)
        return PreparedRequest(clean, tools, reasoning, answer_schema=answer, options=options)

    def sanitize(
        self,
        request: Mapping[str, Any],
        *,
        user_chosen: Collection[str] = (),
        strict: bool = False,
        capabilities: frozenset[str] | None = None,
    ) -> dict[str, Any]:
        """The request sanitized and validated: in strict mode a refused parameter the user
        chose raises ``UnsupportedParameterError``; otherwise each is warned about the
        first time only. Bad values raise ``InvalidRequestError``. ``capabilities``
        overrides what the catalog says about the request's model."""
        result = self._sanitized(request, user_chosen, strict, capabilities)
        if logger.isEnabledFor(logging.DEBUG):
            for change in result.changes:
                logger.debug("kluster.ai request: %s", change)
        check_request(result.request)
        return result.request

    def _sanitized(
        self,
        request: Mapping[str, Any],
        user_chosen: Collection[str],
        strict: bool,
        capabilities: frozenset[str] | None,
    ) -> SanitizedRequest:
        if strict:
            return sanitize_request(
                request, user_chosen=user_chosen, policy="raise", capabilities=capabilities
            )
        fresh: Collection[str] = user_chosen
        if self._warned:
            with self._lock:
                fresh = set(user_chosen) - self._warned
        result = sanitize_request(
            request, user_chosen=fresh, policy="warn", capabilities=capabilities
        )
        if result.refused:
            with self._lock:
                self._warned.update(name.rsplit(".", 1)[-1] for name in result.refused)
        return result
