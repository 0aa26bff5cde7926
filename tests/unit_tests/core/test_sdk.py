"""The private parts of the openai SDK and pydantic kept in ``core/transport/_sdk.py`` still
behave as relied on; these go red when the installed openai or pydantic changes them."""

from __future__ import annotations

import httpx
import openai
import pydantic
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage

from kluster_integrations.core.transport import (
    ChunkParser,
    CompletionParser,
    build_answer,
    private_values,
    pydantic_extra,
)

#: Nothing is sent: building a client opens no connection.
UNUSED_URL = "http://127.0.0.1:9/v1"

COMPLETION = {
    "id": "c",
    "object": "chat.completion",
    "created": "17",  # the validator makes it an int; the SDK's constructor would not
    "model": "m",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "x"}}
    ],
}


def sdk_built(cast_to: type, data: object) -> object:
    """What the SDK makes of an answer's JSON for ``parse(to=cast_to)`` and streams."""
    client = openai.OpenAI(api_key="k", base_url=UNUSED_URL)
    return client._process_response_data(data=data, cast_to=cast_to, response=httpx.Response(200))


def test_the_sdk_hands_answers_to_the_build_hook() -> None:
    built = sdk_built(CompletionParser, COMPLETION)
    assert type(built) is ChatCompletion and built.created == 17


def test_the_sdk_hands_chunks_to_the_build_hook() -> None:
    chunk = {**COMPLETION, "object": "chat.completion.chunk", "choices": []}
    built = sdk_built(ChunkParser, chunk)
    assert type(built) is ChatCompletionChunk and built.created == 17


def test_construct_builds_an_answer_off_the_schema_without_validating() -> None:
    off_schema = {**COMPLETION, "choices": "not a list"}
    built = build_answer(ChatCompletion, off_schema)
    assert isinstance(built, ChatCompletion) and built.choices == "not a list"
    assert "construct" in vars(openai.BaseModel)  # the SDK's own, recursive one


def test_pydantic_extra_is_the_models_own_dict_of_undeclared_fields() -> None:
    message = ChatCompletionMessage.model_validate(
        {"role": "assistant", "content": "x", "reasoning_content": "r"}
    )
    extra = pydantic_extra(message)
    assert extra == {"reasoning_content": "r"}
    extra["reasoning_content"] = "changed"
    assert message.reasoning_content == "changed"  # type: ignore[attr-defined]
    assert pydantic_extra(object()) is None


def test_private_values_are_the_private_attributes() -> None:
    class Holder(pydantic.BaseModel):
        _value: list[int] = pydantic.PrivateAttr(default_factory=list)

    holder = Holder()
    assert private_values(holder)["_value"] is holder._value
