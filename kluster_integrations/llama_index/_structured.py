"""Structured output for LlamaIndex on kluster.ai: the schema goes in the prompt.

kluster.ai takes no ``response_format`` (and tools only on its tool models), so ``KlusterLLM``
runs ``structured_predict`` and friends through LlamaIndex's ``LLMTextCompletionProgram`` with
``SchemaOutputParser``: the core's ``schema_instruction`` is added to the prompt, and the
reply is read with the core's ``extract_json`` and validated against the Pydantic model.

Example::

    from pydantic import BaseModel
    from llama_index.core.prompts import PromptTemplate

    class City(BaseModel):
        name: str
        country: str

    city = KlusterLLM().structured_predict(City, PromptTemplate("Capital of {country}?"),
                                           country="France")
"""

from __future__ import annotations

from typing import Any

from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.output_parsers.pydantic import PydanticOutputParser
from llama_index.core.program.llm_program import LLMTextCompletionProgram
from llama_index.core.prompts.base import BasePromptTemplate
from pydantic import BaseModel, ValidationError

from kluster_integrations.core.errors import StructuredOutputError
from kluster_integrations.core.tools import extract_json, schema_instruction


class SchemaOutputParser(PydanticOutputParser):
    """Asks for JSON matching ``output_cls`` and parses the reply into it.

    A reply that holds no JSON, or JSON that does not validate, raises the core's
    ``StructuredOutputError`` with the model's text.
    """

    def format(self, query: str) -> str:
        return f"{query}\n\n{schema_instruction(self.output_cls.model_json_schema())}"

    def parse(self, text: str) -> Any:
        value = extract_json(text)
        try:
            return self.output_cls.model_validate(value)
        except ValidationError as err:
            problem = (
                f"the JSON does not match {self.output_cls.__name__} "
                f"({err.error_count()} validation error(s): {_summary(err)})"
            )
            raise StructuredOutputError(problem, text) from err


def schema_program(
    output_cls: type[BaseModel], prompt: BasePromptTemplate, llm: Any
) -> LLMTextCompletionProgram:
    """A text-completion program for ``output_cls`` that leaves ``prompt`` untouched.

    ``LLMTextCompletionProgram`` sets its parser on the prompt it gets, so it gets a copy.
    """
    return LLMTextCompletionProgram.from_defaults(
        output_parser=SchemaOutputParser(output_cls=output_cls),
        prompt=prompt.partial_format(),
        llm=llm,
    )


def _summary(err: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in err.errors()
    )


dispatcher = get_dispatcher(__name__)


class StructuredMethods:
    """``structured_predict`` and its async and streamed forms on a ``KlusterLLM`` (mixed
    into the class): JSON asked for in the prompt, never ``tool_choice`` /
    ``response_format``."""

    @dispatcher.span
    def structured_predict(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        """Fill ``output_cls`` from the model's JSON reply; ``StructuredOutputError`` if it
        cannot."""
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        result = schema_program(output_cls, prompt, self)(llm_kwargs=llm_kwargs, **prompt_args)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    @dispatcher.span
    async def astructured_predict(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        """The async form of ``structured_predict``."""
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        program = schema_program(output_cls, prompt, self)
        result = await program.acall(llm_kwargs=llm_kwargs, **prompt_args)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    def _structured_stream_call(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        program = schema_program(output_cls, prompt, self)
        return program.stream_call(llm_kwargs=llm_kwargs, **prompt_args)

    async def _structured_astream_call(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        program = schema_program(output_cls, prompt, self)
        return await program.astream_call(llm_kwargs=llm_kwargs, **prompt_args)
