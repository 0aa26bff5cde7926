"""Answers built by ``core.answer`` are the objects the openai SDK builds, only sooner.

The SDK builds answers with ``Model.construct(**data)`` (``openai._models.construct_type``);
these tests compare ``build_answer`` with exactly that, field by field (``model_dump``),
for the answers kluster.ai sends, for answers that break the SDK's schema, and for
generated ones.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from kluster_integrations.core.answer import parser_for
from kluster_integrations.core.transport import ChunkParser, CompletionParser, build_answer

MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"


def completion(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": MODEL,
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None, "message": message}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 9, "total_tokens": 16},
        **extra,
    }


KLUSTER_ANSWERS = {
    "text": completion({"role": "assistant", "content": "Hello."}),
    "tool call": completion(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
                }
            ],
        }
    ),
    "reasoning field": completion(
        {"role": "assistant", "content": "42", "reasoning_content": "Six times seven."}
    ),
    "invalid calls from the prompt parser": completion(
        {
            "role": "assistant",
            "content": "",
            "invalid_tool_calls": [{"name": "add", "args": "{", "id": "c", "error": "bad"}],
        }
    ),
    "usage details": completion(
        {"role": "assistant", "content": "x"},
        usage={
            "prompt_tokens": 1,
            "completion_tokens": 1,
            "total_tokens": 2,
            "prompt_tokens_details": {"cached_tokens": 0},
        },
    ),
    "no usage, extra top-level field": completion(
        {"role": "assistant", "content": "x"}, usage=None, prompt_logprobs=None
    ),
}

OFF_SCHEMA_ANSWERS = {
    "unknown finish reason": completion({"role": "assistant", "content": "x"})
    | {
        "choices": [
            {"index": 0, "finish_reason": "eos", "message": {"role": "assistant", "content": "x"}}
        ]
    },
    "created as text": completion({"role": "assistant", "content": "x"}, created="yesterday"),
    "no id, no object": {"choices": [{"message": {"role": "assistant", "content": "x"}}]},
    "choices missing": {"id": "x", "object": "chat.completion"},
}


def sdk_built(model: type[ChatCompletion] | type[ChatCompletionChunk], data: Any) -> Any:
    """What the openai SDK builds (``construct_type`` for a model type and a dict)."""
    return model.construct(**copy.deepcopy(data))


@pytest.mark.parametrize("data", KLUSTER_ANSWERS.values(), ids=KLUSTER_ANSWERS.keys())
def test_kluster_answers_are_validated_into_the_sdk_objects(data):
    built = build_answer(ChatCompletion, copy.deepcopy(data))
    assert type(built) is ChatCompletion
    assert built.model_dump() == sdk_built(ChatCompletion, data).model_dump()
    assert built.model_extra == sdk_built(ChatCompletion, data).model_extra


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
@pytest.mark.parametrize("data", OFF_SCHEMA_ANSWERS.values(), ids=OFF_SCHEMA_ANSWERS.keys())
def test_answers_off_the_schema_are_built_as_the_sdk_builds_them(data):
    built = build_answer(ChatCompletion, copy.deepcopy(data))
    assert type(built) is ChatCompletion
    assert built.model_dump() == sdk_built(ChatCompletion, data).model_dump()


def test_validation_reads_values_as_the_schema_types_them() -> None:
    """The one difference from the SDK's constructor, and the sign validation ran: a value
    the schema's type accepts in lax mode is converted (the SDK would keep the string)."""
    data = completion({"role": "assistant", "content": "x"}, created="1764000000")
    built = build_answer(ChatCompletion, data)
    assert built.created == 1_764_000_000
    assert sdk_built(ChatCompletion, data).created == "1764000000"


@pytest.mark.parametrize("data", [None, [1, 2, 3], "login page", 7])
def test_answers_that_are_not_objects_are_left_for_the_answer_checks(data):
    assert build_answer(ChatCompletion, data) is data


def test_chunks_are_validated_into_sdk_chunks():
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": "Hel", "reasoning_content": "hm"}}],
    }
    built = ChunkParser.build(response=None, data=copy.deepcopy(chunk))  # type: ignore[arg-type]
    assert type(built) is ChatCompletionChunk
    assert built.model_dump() == sdk_built(ChatCompletionChunk, chunk).model_dump()


def test_the_parser_follows_the_request():
    assert parser_for({"stream": False}) is CompletionParser
    assert "ChunkParser" in repr(parser_for({"stream": True}))
    assert "AsyncStream" in repr(parser_for({"stream": True}, is_async=True))


_text = st.one_of(st.none(), st.text(max_size=20))
_tool_calls = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.text(max_size=5),
            "type": st.sampled_from(["function", "function", "custom", "other"]),
            "function": st.fixed_dictionaries(
                {"name": st.text(max_size=5), "arguments": st.text(max_size=10)}
            ),
        }
    ),
    max_size=2,
)
_messages = st.fixed_dictionaries(
    {"role": st.sampled_from(["assistant", "assistant", "assistant", "user"])},
    optional={
        "content": _text,
        "refusal": _text,
        "reasoning_content": _text,
        "tool_calls": _tool_calls,
    },
)
_choices = st.fixed_dictionaries(
    {
        # Text that is not a number, as for "created": validation reads "0" as 0.
        "index": st.one_of(st.integers(0, 3), st.integers(0, 3), st.text("xyz", max_size=2)),
        "finish_reason": st.sampled_from(["stop", "length", "tool_calls", None, "eos"]),
        "message": _messages,
    }
)
#: Mostly answers that fit the SDK's schema (validated), some that do not (constructed).
_answers = st.fixed_dictionaries(
    {
        "id": st.text(max_size=8),
        "object": st.sampled_from(["chat.completion", "chat.completion", "other"]),
        # Text that is not a number: validation would read "12" as 12 (see the test below).
        "created": st.one_of(
            st.integers(0, 2**40), st.integers(0, 2**40), st.text("xyz", max_size=3)
        ),
        "model": st.text(max_size=8),
        "choices": st.lists(_choices, max_size=2),
    },
    optional={
        "usage": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "prompt_tokens": st.integers(0, 99),
                    "completion_tokens": st.integers(0, 99),
                    "total_tokens": st.integers(0, 99),
                }
            ),
        ),
        "system_fingerprint": _text,
    },
)


# The SDK's own loose objects warn when dumped with values off the schema; so do these.
@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
@settings(max_examples=300, deadline=None)
@given(_answers)
def test_any_answer_reads_the_same_as_the_sdk_reads_it(data):
    built = build_answer(ChatCompletion, copy.deepcopy(data))
    assert built.model_dump() == sdk_built(ChatCompletion, data).model_dump()
