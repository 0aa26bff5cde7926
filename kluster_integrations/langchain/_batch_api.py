"""``ChatKluster``'s answers from kluster.ai's Batch API read as a real-time call reads them.

``ChatKluster`` builds the ``BatchCodec`` its ``submit_batch`` and ``get_batch`` hand the
batch engine: the requests from its own ``_get_request_payload`` (the same sanitizing,
``max_tokens`` renaming, ``model_kwargs`` and call kwargs; with ``schema=`` the schema put
into the prompt as ``with_structured_output`` puts it), the answers through ``chat_codec``
here, which makes each the message a real-time call returns (``_create_chat_result``:
usage, response metadata), or parses and validates it as ``with_structured_output`` does.
This module never imports ``ChatKluster``.

Example::

    codec = chat_codec(request_for, chat_model._create_chat_result, parser=None)
    job = submit_inputs(client, ["Hi", "Bonjour"], codec, async_client=async_client)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatResult

from kluster_integrations.core.batch_api import BatchCodec
from kluster_integrations.langchain._framework import response_metadata
from kluster_integrations.langchain._structured_output import JsonReplyParser


def chat_codec(
    request_for: Callable[[LanguageModelInput], dict[str, Any]],
    chat_result: Callable[[dict[str, Any]], ChatResult],
    parser: JsonReplyParser | None = None,
) -> BatchCodec:
    """The codec for requests made by ``request_for``, whose answers ``chat_result`` reads
    (the model's ``_create_chat_result``); results are ``AIMessage``\\ s, or what ``parser``
    makes of their text."""

    def result_from(body: dict[str, Any]) -> Any:
        result = chat_result(body)
        generation = result.generations[0]
        message = generation.message
        # What BaseChatModel does with a real-time result before handing it over.
        message.response_metadata = {
            **(result.llm_output or {}),
            **response_metadata(generation),
        }
        if message.id is None and body.get("id"):
            message.id = str(body["id"])
        if parser is None:
            return message
        assert isinstance(message, AIMessage)
        return parser.parse(message.text)

    return BatchCodec(request_for=request_for, result_from=result_from)
