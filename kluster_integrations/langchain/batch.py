"""``ChatKluster.submit_batch`` and ``get_batch``: LangChain inputs on kluster.ai's Batch API.

Each input becomes the request a real-time call would send (``_get_request_payload``: the
same sanitizing, ``max_tokens`` renaming, ``model_kwargs`` and call kwargs), and each answer
the message a real-time call would return (``_create_chat_result``: usage, response
metadata). With ``schema=`` the schema goes into the prompt as ``with_structured_output``
puts it, and the answers are parsed and validated the same way.

Example::

    job = ChatKluster(model=MODEL).submit_batch(["Hi", "Bonjour"], completion_window="24h")
    job.wait()
    [message.content for message in job.results()]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import _gen_info_and_msg_metadata
from langchain_core.messages import AIMessage

from kluster_integrations.core.batch import (
    KlusterBatch,
    asubmit_requests,
    attach,
    submit_requests,
)
from kluster_integrations.langchain.structured_output import (
    JsonReplyParser,
    add_instruction,
    target_for,
)

if TYPE_CHECKING:
    from kluster_integrations.langchain.chat_models import ChatKluster


def request_bodies(
    llm: ChatKluster, inputs: Iterable[LanguageModelInput], schema: Any, kwargs: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The chat request for each input, built lazily as the batch file is written."""
    instruction = None if schema is None else target_for(schema).json_schema
    for value in inputs:
        if instruction is not None:
            value = add_instruction(llm, instruction, value)
        yield llm._get_request_payload(value, **kwargs)


def converter(llm: ChatKluster, schema: Any) -> Callable[[dict[str, Any]], Any]:
    """What turns one chat completion into a result: an ``AIMessage``, or the parsed value."""
    parser = None if schema is None else JsonReplyParser(target=target_for(schema))

    def convert(body: dict[str, Any]) -> Any:
        result = llm._create_chat_result(body)
        generation = result.generations[0]
        message = generation.message
        # What BaseChatModel does with a real-time result before handing it over.
        message.response_metadata = {
            **(result.llm_output or {}),
            **_gen_info_and_msg_metadata(generation),
        }
        if message.id is None and body.get("id"):
            message.id = str(body["id"])
        if parser is None:
            return message
        assert isinstance(message, AIMessage)
        return parser.parse(message.text)

    return convert


def submit_batch(
    llm: ChatKluster,
    inputs: Iterable[LanguageModelInput],
    *,
    completion_window: str,
    custom_ids: Sequence[str] | None,
    schema: Any,
    max_requests_per_batch: int | None,
    kwargs: dict[str, Any],
) -> KlusterBatch:
    return submit_requests(
        llm.root_client,
        request_bodies(llm, inputs, schema, kwargs),
        completion_window=completion_window,
        custom_ids=custom_ids,
        max_requests_per_batch=max_requests_per_batch,
        convert=converter(llm, schema),
        async_client=llm.root_async_client,
    )


async def asubmit_batch(
    llm: ChatKluster,
    inputs: Iterable[LanguageModelInput],
    *,
    completion_window: str,
    custom_ids: Sequence[str] | None,
    schema: Any,
    max_requests_per_batch: int | None,
    kwargs: dict[str, Any],
) -> KlusterBatch:
    return await asubmit_requests(
        llm.root_client,
        llm.root_async_client,
        request_bodies(llm, inputs, schema, kwargs),
        completion_window=completion_window,
        custom_ids=custom_ids,
        max_requests_per_batch=max_requests_per_batch,
        convert=converter(llm, schema),
    )


def get_batch(llm: ChatKluster, batch_id: str, schema: Any) -> KlusterBatch:
    return attach(
        llm.root_client,
        batch_id,
        async_client=llm.root_async_client,
        convert=converter(llm, schema),
    )
