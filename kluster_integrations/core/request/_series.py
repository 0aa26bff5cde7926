"""Requests that differ only in their messages (the lines of one batch job), prepared with
what they share checked once.

``RequestSeries(first)`` takes a request ``RequestPreparer.prepare_chat`` prepared in full;
``series.prepare(messages)`` gives the request with the same model and parameters and
other messages (as the framework wrote them into its request body). What depends only on
the model and the parameters was done for the first request and holds for every one:
parameters kluster.ai refuses dropped, renamed or warned about, native tools checked, the
model, token limits, temperature and ``stop`` validated, the model's capabilities and
reasoning mode looked up. What depends on the messages is done for each request as
``prepare_chat`` does it: earlier turns' thinking left out (unless kept), prompted tools
described in the system message, the history rewritten, images checked against the model,
roles, content parts and text checked. A leading system message equal to the first
request's (after all that) passed the same checks then and is not checked again.

Example::

    first = RequestPreparer().prepare_chat(body, user_chosen={"top_p"}, options=options)
    series = RequestSeries(first)
    series.prepare([{"role": "user", "content": "the next question"}]).body
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.core.models import check_images
from kluster_integrations.core.reasoning import strip_history_reasoning
from kluster_integrations.core.request._changes import Change
from kluster_integrations.core.request._prepare import PreparedRequest
from kluster_integrations.core.request._sanitizer import sanitize_messages
from kluster_integrations.core.request._validation import message_problems
from kluster_integrations.core.tools import model_capabilities, with_system_text

logger = logging.getLogger("kluster_integrations")

#: Roles of a leading message whose prepared form depends on that message alone.
_LEAD_ROLES = frozenset({"system", "developer"})


class RequestSeries:
    """Requests with ``first``'s model and parameters, each with its own messages."""

    def __init__(self, first: PreparedRequest) -> None:
        self.first = first
        self._keep_reasoning = first.options.keep_reasoning_in_history
        self._capabilities = model_capabilities(first.options.tool_calling, first.model)
        messages = first.body.get("messages")
        lead = messages[0] if isinstance(messages, list) and messages else None
        self._lead = lead if isinstance(lead, dict) and lead.get("role") in _LEAD_ROLES else None

    def prepare(self, messages: Sequence[Any]) -> PreparedRequest:
        """The request for ``messages`` (``InvalidRequestError``,
        ``ImageInputNotSupportedError``... as ``prepare_chat`` raises them)."""
        given = list(messages) if self._keep_reasoning else strip_history_reasoning(messages)
        if self.first.tools is not None:
            given = self.first.tools.written_into(given)
        if self.first.answer_schema is not None:  # as prepare_chat adds it, after the tools
            given = with_system_text(given, self.first.answer_schema.instruction())
        changes: list[Change] = []
        listed = sanitize_messages(given, self._capabilities, changes)
        body = dict(self.first.body)
        body["messages"] = listed
        check_images(body, self._capabilities)
        checked = 1 if self._lead is not None and listed and listed[0] == self._lead else 0
        problems = message_problems(listed[checked:] if checked else listed, checked)
        if problems:
            raise InvalidRequestError(problems)
        if changes and logger.isEnabledFor(logging.DEBUG):
            for change in changes:
                logger.debug("kluster.ai request: %s", change)
        first = self.first
        return PreparedRequest(
            body,
            first.tools,
            first.reasoning,
            answer_schema=first.answer_schema,
            options=first.options,
        )
