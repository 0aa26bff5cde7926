"""The requests of one Batch API job of a ``ChatKluster``: each input as the request
``invoke`` would send, with what the inputs share prepared once.

The inputs of a job share the model, the parameters and the call's keyword arguments, so
their requests differ only in their messages. The first input is prepared in full
(``ChatKluster._prepare``: ``ChatOpenAI`` builds the body, ``core.request`` prepares it);
every other one as a ``core.request.RequestSeries`` of it: its messages read as the model
reads them and written as ``ChatOpenAI`` writes them (``_framework.message_dicts``), then
every check that depends on messages. Where ``ChatOpenAI`` changes a model's messages as a
whole (``_framework.writes_messages_alone``), every input is prepared in full.

Example::

    requests = JobRequests(llm, {"stop": ["\\n\\n"]})
    bodies = [requests.body_for(text) for text in texts]   # as llm.invoke(text, stop=...)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage

from kluster_integrations.core.batch_api import batch_body
from kluster_integrations.core.request import PreparedRequest, RequestSeries
from kluster_integrations.langchain._framework import (
    input_messages,
    message_dicts,
    writes_messages_alone,
)
from kluster_integrations.langchain._reasoning import history_with_reasoning
from kluster_integrations.langchain._structured_output import add_instruction


class JobRequests:
    """Requests for ``model``'s inputs with the call's ``kwargs`` (as for ``invoke``);
    ``json_schema``: the structured-output instruction put into each prompt."""

    def __init__(
        self, model: Any, kwargs: Mapping[str, Any], json_schema: dict[str, Any] | None = None
    ) -> None:
        self._model = model
        self._stop = kwargs.get("stop")
        self._call = {k: v for k, v in kwargs.items() if k != "stop"}
        self._json_schema = json_schema
        self._series: RequestSeries | None = None
        self._alone: bool | None = None

    def messages(self, value: LanguageModelInput) -> list[BaseMessage]:
        """``value`` as the messages the model reads (with the schema instruction)."""
        if self._json_schema is None:
            return input_messages(self._model, value)
        return add_instruction(self._model, self._json_schema, value)

    def prepared(self, messages: list[BaseMessage]) -> PreparedRequest:
        """The request for ``messages`` as ``invoke`` would prepare it."""
        if self._series is None:
            first = self._model._prepare(messages, self._stop, self._call)
            if self._alone is None:
                self._alone = writes_messages_alone(self._model)
            if self._alone:
                self._series = RequestSeries(first)
            return first
        if self._model.keep_reasoning_in_history:
            messages = history_with_reasoning(messages)
        return self._series.prepare(message_dicts(messages))

    def body_for(self, value: LanguageModelInput) -> dict[str, Any]:
        """The body of ``value``'s batch line (``BatchInputError`` for prompted tools)."""
        return self.body_for_messages(self.messages(value))

    def body_for_messages(self, messages: list[BaseMessage]) -> dict[str, Any]:
        """The body of the batch line for ``messages`` (from ``messages``)."""
        return batch_body(self.prepared(messages))
