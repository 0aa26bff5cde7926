"""An explicit ``response_format`` emulated: kluster.ai has no JSON mode, so the schema goes
into the prompt and the reply is checked against it, as ``with_structured_output`` does.

``take_response_format`` takes ``response_format`` out of a request (top level or
``extra_body``) and reads it into an ``AnswerSchema``: OpenAI's ``{"type": "json_schema",
"json_schema": {"name": ..., "schema": ...}}``, ``{"type": "json_object"}`` (any JSON object),
or a Pydantic model class as the openai SDK's ``parse`` takes it; ``{"type": "text"}`` asks
for nothing and is left for the sanitizer to drop. ``AnswerSchema.instruction`` is the
system-prompt paragraph (``schema_instruction``); ``AnswerSchema.read`` finds the JSON value
in the reply (``extract_json``: prose, code fences and a leading ``<think>`` block are
tolerated), validates it (jsonschema, or the Pydantic model), and gives it back as bare JSON
text, so a reader that expects a JSON-mode answer (LangChain's ``ProviderStrategy``) can
``json.loads`` it. A reply that does not validate raises ``ResponseFormatError`` naming the
schema.

Example::

    >>> request, answer = take_response_format({"model": "m", "messages": [],
    ...     "response_format": {"type": "json_schema", "json_schema": {"name": "City",
    ...         "schema": {"type": "object", "properties": {"name": {"type": "string"}},
    ...                    "required": ["name"]}}}})
    >>> "response_format" in request, answer.name
    (False, 'City')
    >>> answer.read('Sure! ```json\\n{"name": "Lisbon"}\\n``` Enjoy.')
    ('{"name": "Lisbon"}', None)
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import pydantic

from kluster_integrations.core.errors import (
    InvalidRequestError,
    ResponseFormatError,
    StructuredOutputError,
)
from kluster_integrations.core.tools._protocol import schema_validator
from kluster_integrations.core.tools._structured import extract_json, schema_instruction

#: The ``response_format`` types OpenAI's chat completions take.
FORMAT_TYPES = ("json_schema", "json_object", "text")
_ANY_OBJECT: Mapping[str, Any] = {"type": "object"}


@dataclass(frozen=True)
class AnswerSchema:
    """The JSON an answer must be: ``name`` (for errors), its JSON ``schema``, and the
    Pydantic ``model`` that validates it when the ``response_format`` was one."""

    name: str
    schema: Mapping[str, Any] = field(default_factory=lambda: dict(_ANY_OBJECT))
    model: type[pydantic.BaseModel] | None = None

    def instruction(self) -> str:
        """The system-prompt paragraph that asks for this JSON."""
        return schema_instruction(self.schema)

    def read(self, text: str) -> tuple[str, pydantic.BaseModel | None]:
        """The JSON value in ``text``, validated, as bare JSON text, and the ``model``
        instance made from it (``None`` without a model); ``ResponseFormatError`` when
        there is none or it does not validate."""
        try:
            value = extract_json(text)
        except StructuredOutputError:
            raise ResponseFormatError(self.name, "it holds no JSON object", text) from None
        parsed = None
        if self.model is not None:
            try:
                parsed = self.model.model_validate(value)
            except pydantic.ValidationError as err:
                raise ResponseFormatError(self.name, _pydantic_problem(err), text) from err
        else:
            problem = _schema_problem(value, self.schema)
            if problem is not None:
                raise ResponseFormatError(self.name, problem, text)
        return json.dumps(value, ensure_ascii=False), parsed


def answer_schema_of(value: Any) -> AnswerSchema | None:
    """``value`` (a ``response_format``) read as an ``AnswerSchema``; ``None`` for
    ``{"type": "text"}``. ``InvalidRequestError`` for anything else, before sending."""
    if inspect.isclass(value) and issubclass(value, pydantic.BaseModel):
        return _model_schema(value)
    kind = value.get("type") if isinstance(value, Mapping) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return AnswerSchema("json_object")
    if kind == "json_schema" and isinstance(value.get("json_schema"), Mapping):
        described = value["json_schema"]
        schema = described.get("schema", {})
        name = described.get("name") or "response_format"
        _check_schema(str(name), schema)
        return AnswerSchema(str(name), schema)
    raise InvalidRequestError(
        [
            f"`response_format` {_preview(value)} is not one kluster-integrations can "
            "emulate: use {'type': 'json_schema', 'json_schema': {'name': ..., 'schema': "
            "{...}}}, {'type': 'json_object'}, {'type': 'text'} or a Pydantic model class."
        ]
    )


@functools.lru_cache(maxsize=128)
def _model_schema(model: type[pydantic.BaseModel]) -> AnswerSchema:
    """``model`` as an ``AnswerSchema`` (cached: building its JSON schema costs ~0.1 ms)."""
    return AnswerSchema(model.__name__, model.model_json_schema(), model)


def take_response_format(request: Mapping[str, Any]) -> tuple[dict[str, Any], AnswerSchema | None]:
    """``request`` without its ``response_format`` (top level or in ``extra_body``; the
    top level wins), and the ``AnswerSchema`` it asks for. ``{"type": "text"}`` stays in
    the request for the sanitizer to drop silently (it asks for nothing)."""
    out = dict(request)
    extra = dict(out["extra_body"]) if isinstance(out.get("extra_body"), Mapping) else {}
    value = out.get("response_format")
    if value is None:
        value = extra.get("response_format")
    answer = None if value is None else answer_schema_of(value)
    if answer is None:
        return out, None
    out.pop("response_format", None)
    if "response_format" in extra:
        del extra["response_format"]
        out["extra_body"] = extra
    return out, answer


def _check_schema(name: str, schema: Any) -> None:
    try:
        schema_validator(json.dumps(schema, sort_keys=True))
    except (TypeError, ValueError, RecursionError, jsonschema.SchemaError) as err:
        raise InvalidRequestError(
            [
                f"The JSON schema of `response_format` {name!r} cannot be used "
                f"({str(err).splitlines()[0]}): give a JSON-serializable, valid JSON schema."
            ]
        ) from err


def _schema_problem(value: Any, schema: Mapping[str, Any]) -> str | None:
    validator = schema_validator(json.dumps(schema, sort_keys=True))
    try:
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    except RecursionError:
        return "its JSON nests too deeply to be checked"
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path) or "(root)"
    return f"at {where}: {error.message}"


def _pydantic_problem(err: pydantic.ValidationError) -> str:
    details = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in err.errors()[:5]
    )
    return f"{err.error_count()} validation error(s): {details}"


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:120] + "..."
