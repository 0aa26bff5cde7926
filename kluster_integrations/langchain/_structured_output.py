"""Structured output for LangChain through the prompt, since kluster.ai has no JSON mode.

``ChatKluster.with_structured_output`` is built from three parts defined here:

- ``target_for(schema)`` reads a Pydantic model, ``TypedDict``, JSON-schema dict or OpenAI
  function dict into a ``StructuredTarget`` (its JSON schema, and how to validate a value);
- ``add_instruction`` puts ``core.tools.schema_instruction`` into the system message;
- ``JsonReplyParser`` reads the reply with ``core.tools.extract_json`` (code fences and
  prose are tolerated), validates it, and streams: partial dicts while the JSON arrives,
  then the validated value.

Invalid replies raise ``StructuredOutputParseError``, which is both LangChain's
``OutputParserException`` (so ``include_raw=True`` and retry parsers catch it) and the core
``StructuredOutputError``.

Example::

    target = target_for(Person)
    chain = RunnableLambda(partial(add_instruction, llm, target.json_schema)) | llm \
        | JsonReplyParser(target=target)
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any

import pydantic
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage, SystemMessage
from langchain_core.output_parsers import BaseTransformOutputParser
from langchain_core.outputs import ChatGeneration, Generation
from langchain_core.runnables import Runnable, RunnableLambda, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema
from langchain_core.utils.json import parse_partial_json
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import ConfigDict
from typing_extensions import is_typeddict

from kluster_integrations.core.errors import StructuredOutputError
from kluster_integrations.core.tools import extract_json, schema_instruction
from kluster_integrations.langchain._framework import input_messages
from kluster_integrations.langchain._tools import tools_off_error

#: What ``method=`` may be: ``function_calling`` binds the schema as a tool (native or
#: prompted), the other two put it in the prompt (kluster.ai has no ``response_format``).
STRUCTURED_METHODS = ("json_schema", "function_calling", "json_mode")


class StructuredOutputParseError(StructuredOutputError, OutputParserException):
    """The reply is not JSON, or not JSON matching the schema (``.text`` holds the reply)."""

    def __init__(self, problem: str, text: str) -> None:
        StructuredOutputError.__init__(self, problem, text)
        self.observation = problem
        self.llm_output = text
        self.send_to_llm = False


@dataclass(frozen=True)
class StructuredTarget:
    """The JSON schema to ask for, and the function that turns parsed JSON into the result.

    ``streams_partial_dicts`` is true when results are plain dicts, so partial JSON can be
    shown while the reply streams; Pydantic results appear once, validated.
    """

    json_schema: dict[str, Any]
    validate: Callable[[Any], Any]
    streams_partial_dicts: bool


def target_for(schema: Any) -> StructuredTarget:
    """Read a schema as ``with_structured_output`` accepts it; ``None`` means any JSON."""
    if schema is None:
        return StructuredTarget({"type": "object"}, _any_json, streams_partial_dicts=True)
    if inspect.isclass(schema) and issubclass(schema, pydantic.BaseModel):
        return StructuredTarget(convert_to_json_schema(schema), schema.model_validate, False)
    if inspect.isclass(schema) and issubclass(schema, pydantic.v1.BaseModel):
        return StructuredTarget(convert_to_json_schema(schema), schema.parse_obj, False)
    if is_typeddict(schema):
        adapter = pydantic.TypeAdapter(schema)
        return StructuredTarget(convert_to_json_schema(schema), adapter.validate_python, True)
    if isinstance(schema, Mapping):
        json_schema = _dict_schema(schema)
        return StructuredTarget(json_schema, _required_keys_check(json_schema), True)
    raise TypeError(
        f"with_structured_output got {schema!r}; pass a Pydantic model, a TypedDict, a JSON "
        "schema dict or an OpenAI function dict."
    )


def add_instruction(
    model: Any, json_schema: Mapping[str, Any], value: LanguageModelInput
) -> list[BaseMessage]:
    """The input as messages, with the schema instruction added to the system message."""
    messages = input_messages(model, value)
    instruction = schema_instruction(json_schema)
    if messages and isinstance(messages[0], SystemMessage):
        first = messages[0]
        content = first.content
        merged = (
            f"{content}\n\n{instruction}"
            if isinstance(content, str)
            else [*content, {"type": "text", "text": instruction}]
        )
        messages[0] = first.model_copy(update={"content": merged})
    else:
        messages.insert(0, SystemMessage(instruction))
    return messages


class JsonReplyParser(BaseTransformOutputParser[Any]):
    """Parse and validate the model's JSON reply; stream partial dicts, then the result."""

    target: StructuredTarget
    model_config = ConfigDict(arbitrary_types_allowed=True)

    @property
    def _type(self) -> str:
        return "kluster_json_reply"

    def parse(self, text: str) -> Any:
        try:
            value = extract_json(text)
        except StructuredOutputError as err:
            raise StructuredOutputParseError("no JSON value found in the reply", text) from err
        try:
            return self.target.validate(value)
        except (pydantic.ValidationError, pydantic.v1.ValidationError, ValueError) as err:
            raise StructuredOutputParseError(
                f"the JSON does not match the requested schema ({err})", text
            ) from err

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        text = _generation_text(result[0])
        if partial:
            return self._partial(text)
        return self.parse(text)

    def _partial(self, text: str) -> Any:
        if not self.target.streams_partial_dicts:
            return None
        start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
        if start < 0:
            return None
        try:
            value = parse_partial_json(text[start:].split("```", 1)[0])
        except ValueError:
            return None
        return value if isinstance(value, dict | list) else None

    def _transform(self, input: Iterator[str | BaseMessage]) -> Iterator[Any]:
        text, last = "", None
        for chunk in input:
            text += _chunk_text(chunk)
            partial = self._partial(text)
            if partial is not None and partial != last:
                last = partial
                yield partial
        final = self.parse(text)
        if final != last or not self.target.streams_partial_dicts:
            yield final

    async def _atransform(self, input: AsyncIterator[str | BaseMessage]) -> AsyncIterator[Any]:
        text, last = "", None
        async for chunk in input:
            text += _chunk_text(chunk)
            partial = self._partial(text)
            if partial is not None and partial != last:
                last = partial
                yield partial
        final = self.parse(text)
        if final != last or not self.target.streams_partial_dicts:
            yield final


def _chunk_text(chunk: str | BaseMessage) -> str:
    return chunk if isinstance(chunk, str) else chunk.text


def _generation_text(generation: Generation) -> str:
    if isinstance(generation, ChatGeneration):
        return generation.message.text
    return generation.text


def _any_json(value: Any) -> Any:
    return value


def _dict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON schema from a JSON-schema dict or an OpenAI function / tool dict."""
    if "title" in schema or "name" in schema or "function" in schema:
        try:
            return convert_to_json_schema(dict(schema))
        except (ValueError, TypeError, KeyError):
            pass
    return dict(schema)


def _required_keys_check(json_schema: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A validator for dict schemas: an object with every required property."""
    required: Sequence[str] = json_schema.get("required") or ()
    is_object = json_schema.get("type") == "object" or "properties" in json_schema

    def check(value: Any) -> Any:
        if not is_object:
            return value
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {type(value).__name__}")
        missing = [key for key in required if key not in value]
        if missing:
            raise ValueError(f"missing required properties: {', '.join(missing)}")
        return value

    return check


def prompted_structured_model(
    model: Any, schema: Any, *, method: str, include_raw: bool, strict: bool | None
) -> Runnable[LanguageModelInput, Any]:
    """``with_structured_output`` through the prompt: the schema instruction added to the
    input, the reply parsed and validated (``include_raw``: as LangChain's dict)."""
    llm, parser = prompted_structured_parts(model, schema, method=method, strict=strict)
    if not include_raw:
        return llm | parser
    parse_raw = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    keep_raw = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parse_raw.with_fallbacks(
        [keep_raw], exception_key="parsing_error"
    )


def prompted_structured_parts(
    model: Any,
    schema: Any,
    *,
    method: str,
    strict: bool | None,
    runner: Runnable[Any, Any] | None = None,
) -> tuple[Runnable[LanguageModelInput, Any], Runnable[Any, Any]]:
    """The two halves of ``prompted_structured_model``: ``runner`` (default: ``model``)
    with the schema instruction added to its input as ``model`` reads it, and the parser
    that validates the reply."""
    if method not in STRUCTURED_METHODS:
        raise ValueError(
            f"method must be one of {STRUCTURED_METHODS}, not {method!r}; 'function_calling' "
            "binds the schema as a tool, the others put it in the prompt."
        )
    if schema is None and method != "json_mode":
        raise ValueError(
            f"with_structured_output(method={method!r}) needs a schema; "
            "use method='json_mode' for free-form JSON."
        )
    target = target_for(schema)
    runner = model if runner is None else runner
    traced = (
        runner
        if schema is None
        else runner.bind(
            ls_structured_output_format={
                "kwargs": {"method": method, "strict": strict},
                "schema": schema,
            }
        )
    )
    llm = RunnableLambda(partial(add_instruction, model, target.json_schema)) | traced
    parser: Runnable[Any, Any] = JsonReplyParser(target=target)
    if is_basemodel_subclass(schema):
        parser = parser.with_types(output_type=schema)
    return llm, parser


def check_structured_arguments(model: Any, tools: Any, extra: dict[str, Any]) -> None:
    """``with_structured_output``'s arguments checked before anything is built."""
    if extra:
        raise ValueError(f"with_structured_output got unsupported arguments {extra}.")
    if tools and model.tool_calling == "off":
        raise tools_off_error("ChatKluster.with_structured_output(tools=...)")
