"""Answers from the core answer path made LangChain results, as ``ChatOpenAI`` makes them.

``chat_result_of`` turns whole answers into one ``ChatResult`` (``n > 1``: one generation
per request, usage summed); ``ChunkConverter`` turns each streamed chunk into a
``ChatGenerationChunk``. Both go through ``ChatOpenAI``'s own conversion, then add what
kluster.ai needs: the thinking the answer path moved into ``reasoning_content``
(``additional_kwargs["reasoning_content"]``), the prompted calls that could not be used
(``invalid_tool_calls``), ``response_metadata["model_provider"] = "kluster"``, for a
``response_format`` given as a Pydantic class the object made of the answer
(``additional_kwargs["parsed"]``, as ``ChatOpenAI`` puts it), and what the answer cost
(``response_metadata["cost_usd"]``, ``None`` when unknown; on a stream, on the chunks that
carry the finish and the usage; ``n > 1``: each message its own request's,
``llm_output["cost_usd"]`` their sum).

Example::

    result = chat_result_of(llm, [complete(llm.client, prepared)])
    convert = ChunkConverter(llm, stream(llm.client, prepared))
    generation = convert(chunk)
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from kluster_integrations.core.answer import (
    AsyncChunkStream,
    ChatAnswer,
    ChunkStream,
    read_batch_answer,
)
from kluster_integrations.core.cost import COST_FIELD
from kluster_integrations.core.reasoning import reasoning_field
from kluster_integrations.langchain._framework import (
    chat_result,
    combined_llm_output,
    generation_chunk,
)
from kluster_integrations.langchain._reasoning import note_reasoning
from kluster_integrations.langchain._tools import add_invalid_calls


def with_summed_cost(
    combined: dict[str, Any], llm_outputs: Sequence[Mapping[str, Any] | None]
) -> dict[str, Any]:
    """``combined`` (``ChatOpenAI``'s sum of several results' ``llm_output``) with their
    ``cost_usd`` summed too (``None`` when one is unknown)."""
    costs = [(output or {}).get(COST_FIELD) for output in llm_outputs]
    if costs:
        unknown = None in costs
        combined[COST_FIELD] = None if unknown else sum(c for c in costs if c is not None)
    return combined


def completions_wanted(default_n: Any, kwargs: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """How many completions a call asks for (kluster.ai gives one per request), and the
    call's kwargs for each single request."""
    n = kwargs.get("n", default_n)
    if isinstance(n, int) and n > 1:
        return n, {**kwargs, "n": 1}
    return 1, kwargs


def chat_result_of(model: Any, answers: Sequence[ChatAnswer]) -> ChatResult:
    """One result of ``answers`` (``n > 1``: usage summed), made as ``ChatOpenAI`` makes
    it, with the thinking and the prompted calls that could not be used."""
    results = []
    for answer in answers:
        headers = model.include_response_headers and answer.headers  # none for Batch API lines
        info = {"headers": dict(answer.headers)} if headers else None
        result = chat_result(model, answer.completion, info)
        for generation, choice in zip(result.generations, answer.completion.choices, strict=False):
            note_reasoning(generation.message, reasoning_field(choice.message))
            add_invalid_calls(cast(AIMessage, generation.message), answer.invalid_calls)
            if answer.parsed is not None:
                generation.message.additional_kwargs["parsed"] = answer.parsed
            generation.message.response_metadata[COST_FIELD] = answer.bill.usd
        results.append(result)
    for answer, result in zip(answers, results, strict=True):
        result.llm_output = {**(result.llm_output or {}), COST_FIELD: answer.bill.usd}
    if len(results) == 1:
        return results[0]
    return ChatResult(
        generations=[generation for result in results for generation in result.generations],
        llm_output=combined_llm_output(model, [result.llm_output for result in results]),
    )


def batch_chat_result(model: Any, body: dict[str, Any], custom_id: str | None = None) -> ChatResult:
    """A Batch API answer ``body`` (a chat completion) as the result of a real-time call:
    checked and read by the core answer path, then made as ``chat_result_of`` makes it;
    with ``custom_id``, its messages carry it in ``response_metadata["custom_id"]``."""
    result = chat_result_of(model, [read_batch_answer(body, model._reasoning_mode)])
    if custom_id is not None:
        for generation in result.generations:
            generation.message.response_metadata["custom_id"] = custom_id
    return result


class ChunkConverter:
    """One stream's chunks made ``ChatGenerationChunk`` s as ``ChatOpenAI`` makes them
    (headers on the first with ``include_response_headers``), each with its piece of the
    thinking, and the stream's cost on the chunk that carries its usage."""

    def __init__(
        self, model: Any, stream: ChunkStream | AsyncChunkStream, run_manager: Any = None
    ) -> None:
        self.model = model
        self.run_manager = run_manager
        self.bill = stream.bill
        self.chunk_class: type = AIMessageChunk
        headers: Mapping[str, str] = stream.headers
        self.info: dict[str, Any] = (
            {"headers": dict(headers)} if model.include_response_headers else {}
        )

    def __call__(self, chunk: Any) -> ChatGenerationChunk | None:
        info, self.info = self.info, {}
        generation = generation_chunk(self.model, chunk.model_dump(), self.chunk_class, info)
        if generation is None:
            return None
        self.chunk_class = generation.message.__class__
        delta = chunk.choices[0].delta if chunk.choices else None
        note_reasoning(generation.message, reasoning_field(delta) if delta else None)
        if chunk.usage is not None or (chunk.choices and chunk.choices[0].finish_reason):
            # ``None`` until the usage comes (before, with or after the finish): merged
            # into the whole message, the figure wins over ``None``.
            generation.message.response_metadata[COST_FIELD] = self.bill.usd
        return generation

    def generations(self, chunks: Iterable[Any]) -> Iterator[ChatGenerationChunk]:
        """The converted chunks, each reported to the run manager as a new token."""
        for chunk in chunks:
            generation = self(chunk)
            if generation is not None:
                if self.run_manager:
                    self.run_manager.on_llm_new_token(
                        generation.text, chunk=generation, logprobs=_logprobs(generation)
                    )
                yield generation

    async def agenerations(self, chunks: AsyncIterable[Any]) -> AsyncIterator[ChatGenerationChunk]:
        """The async form of ``generations``."""
        async for chunk in chunks:
            generation = self(chunk)
            if generation is not None:
                if self.run_manager:
                    await self.run_manager.on_llm_new_token(
                        generation.text, chunk=generation, logprobs=_logprobs(generation)
                    )
                yield generation


def _logprobs(generation: ChatGenerationChunk) -> Any:
    """What ``ChatOpenAI`` hands ``on_llm_new_token`` as ``logprobs``."""
    return (generation.generation_info or {}).get("logprobs")
