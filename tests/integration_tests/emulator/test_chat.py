"""The emulator's chat endpoint, driven through the real openai SDK."""

from __future__ import annotations

import json
import re

import openai
import pytest

from kluster_integrations.core.contract import (
    RENAMED_PARAMETERS,
    UNSUPPORTED_MESSAGE_FIELDS,
    UNSUPPORTED_PARAMETERS,
)
from kluster_integrations.core.tools import schema_instruction
from kluster_integrations.emulator._refusals import contract_violations

#: A text-only model without native tools: the strictest contract.
MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
HELLO = [{"role": "user", "content": "Say hello"}]
SAMPLE_VALUES = {
    "store": True,
    "n": 2,
    "modalities": ["text"],
    "response_format": {"type": "json_object"},
    "service_tier": "auto",
    "stream_options": {"include_usage": True},
    "tools": [],
    "tool_choice": "none",
    "parallel_tool_calls": True,
    "functions": [],
    "function_call": "none",
    "max_tokens": 5,
}
MESSAGE_FIELD_VALUES = {
    "name": "ada",
    "refusal": "no",
    "audio": {"id": "a1"},
    "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    "function_call": {"name": "f", "arguments": "{}"},
}


@pytest.fixture
def client(kluster_emulator):
    return openai.OpenAI(base_url=kluster_emulator.base_url, api_key="k", max_retries=0)


@pytest.fixture
def aclient(kluster_emulator):
    return openai.AsyncOpenAI(base_url=kluster_emulator.base_url, api_key="k", max_retries=0)


def test_clean_request_is_answered_like_kluster(client, kluster_emulator):
    reply = client.chat.completions.create(model=MODEL, messages=HELLO, max_completion_tokens=50)
    assert reply.choices[0].message.content
    assert reply.choices[0].finish_reason == "stop"
    assert reply.system_fingerprint is None
    assert reply.usage.prompt_tokens > 0
    assert reply.usage.completion_tokens_details is None
    assert kluster_emulator.chat_requests() == [
        {"model": MODEL, "messages": HELLO, "max_completion_tokens": 50}
    ]


def test_same_request_same_answer(client):
    first = client.chat.completions.create(model=MODEL, messages=HELLO)
    second = client.chat.completions.create(model=MODEL, messages=HELLO)
    assert first.choices[0].message.content == second.choices[0].message.content


@pytest.mark.parametrize("name", sorted({*UNSUPPORTED_PARAMETERS, *RENAMED_PARAMETERS}))
def test_each_refused_parameter_gets_400_naming_it(client, name):
    assert set(SAMPLE_VALUES) == {*UNSUPPORTED_PARAMETERS, *RENAMED_PARAMETERS}
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(
            model=MODEL, messages=HELLO, extra_body={name: SAMPLE_VALUES[name]}
        )
    assert info.value.status_code == 400
    assert info.value.body["param"] == name
    assert name in info.value.body["message"]


@pytest.mark.parametrize("name", ["tools", "max_tokens", "stream_options", "response_format"])
async def test_refused_parameters_are_refused_in_every_mode(client, aclient, name):
    kwargs = {"model": MODEL, "messages": HELLO, name: SAMPLE_VALUES[name]}
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(**kwargs, stream=True)
    with pytest.raises(openai.BadRequestError):
        await aclient.chat.completions.create(**kwargs)
    with pytest.raises(openai.BadRequestError):
        await aclient.chat.completions.create(**kwargs, stream=True)


def test_unknown_paths_get_json_errors(kluster_emulator):
    import httpx

    response = httpx.get(f"{kluster_emulator.base_url}/no/such/path")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("field", sorted(UNSUPPORTED_MESSAGE_FIELDS))
@pytest.mark.parametrize("role", ["system", "user", "assistant"])
def test_each_refused_message_field_gets_400(client, role, field):
    message = {"role": role, "content": "x", field: MESSAGE_FIELD_VALUES[field]}
    refused = role in UNSUPPORTED_MESSAGE_FIELDS[field].roles
    try:
        client.chat.completions.create(model=MODEL, messages=[message, *HELLO])
    except openai.BadRequestError as err:
        assert refused, f"{field} on {role} should be accepted"
        assert err.body["param"] == f"messages[0].{field}"
    else:
        assert not refused, f"{field} on {role} should be refused"


def test_tool_messages_are_refused(client):
    with pytest.raises(openai.BadRequestError, match="tool"):
        client.chat.completions.create(
            model=MODEL, messages=[*HELLO, {"role": "tool", "tool_call_id": "c", "content": "1"}]
        )


def test_all_offenders_are_listed(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=MODEL, messages=HELLO, n=2, store=True)
    assert "n" in info.value.body["message"] and "store" in info.value.body["message"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"messages": []}, "empty"),
        ({"messages": HELLO, "max_completion_tokens": -1}, "positive integer"),
        ({"messages": HELLO, "temperature": 9}, "temperature"),
    ],
)
def test_bad_values_get_400(client, kwargs, fragment):
    with pytest.raises(openai.BadRequestError, match=fragment):
        client.chat.completions.create(model=MODEL, **kwargs)


def test_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="no/such-model", messages=HELLO)
    assert info.value.body["code"] == "model_not_found"


def test_fine_tuned_and_registered_models_are_accepted(client, kluster_emulator):
    client.chat.completions.create(model="ft:klusterai/Meta-Llama-3.1-8B:me:x", messages=HELLO)
    kluster_emulator.settings.extra_models.add("me/dedicated")
    client.chat.completions.create(model="me/dedicated", messages=HELLO)


def test_embedding_model_on_chat_is_400(client):
    with pytest.raises(openai.BadRequestError, match="embeddings model"):
        client.chat.completions.create(model="BAAI/bge-m3", messages=HELLO)


def test_missing_key_is_401(kluster_emulator):
    import httpx

    response = httpx.post(
        f"{kluster_emulator.base_url}/chat/completions", json={"model": MODEL, "messages": HELLO}
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_configured_key_is_enforced(kluster_emulator):
    kluster_emulator.settings.api_key = "right"
    wrong = openai.OpenAI(base_url=kluster_emulator.base_url, api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.chat.completions.create(model=MODEL, messages=HELLO)
    right = openai.OpenAI(base_url=kluster_emulator.base_url, api_key="right", max_retries=0)
    assert right.chat.completions.create(model=MODEL, messages=HELLO).choices


def test_the_key_is_not_logged(client, kluster_emulator):
    client.chat.completions.create(model=MODEL, messages=HELLO)
    (request,) = kluster_emulator.requests
    assert "authorization" not in {h.lower() for h in request.headers}


def test_scripted_replies_in_order(client, kluster_emulator):
    kluster_emulator.queue_replies("first", {"answer": 2})
    texts = [
        client.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content
        for _ in range(3)
    ]
    assert texts[0] == "first"
    assert json.loads(texts[1]) == {"answer": 2}
    assert texts[2] not in ("first", '{"answer": 2}')


def test_schema_prompt_gets_valid_json(client):
    schema = {
        "type": "object",
        "required": ["city", "population", "tags"],
        "properties": {
            "city": {"type": "string"},
            "population": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "kind": {"enum": ["capital", "town"]},
        },
    }
    reply = client.chat.completions.create(
        model=MODEL, messages=[{"role": "system", "content": schema_instruction(schema)}, *HELLO]
    )
    value = json.loads(reply.choices[0].message.content)
    assert isinstance(value["city"], str) and isinstance(value["population"], int)
    assert value["tags"] and value["kind"] == "capital"


def test_context_question_gets_the_matching_sentence(client):
    context = (
        "The Trial tier allows 30 requests per minute. "
        "Batch jobs finish within 24 hours. Embeddings use BAAI/bge-m3."
    )
    reply = client.chat.completions.create(
        model=MODEL,
        messages=[
            {
                "role": "user",
                "content": f"Context:\n{context}\nQuery: How many requests per minute "
                "does the Trial tier allow?\nAnswer:",
            }
        ],
    )
    assert reply.choices[0].message.content == "The Trial tier allows 30 requests per minute."


def test_token_limit_truncates_with_length(client, kluster_emulator):
    kluster_emulator.queue_replies("one two three four five six")
    reply = client.chat.completions.create(model=MODEL, messages=HELLO, max_completion_tokens=3)
    assert reply.choices[0].message.content == "one two three"
    assert reply.choices[0].finish_reason == "length"


def test_stream_sends_chunks_usage_and_done(client, kluster_emulator):
    kluster_emulator.queue_replies("alpha beta gamma")
    chunks = list(client.chat.completions.create(model=MODEL, messages=HELLO, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == "alpha beta gamma"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage.completion_tokens == 3
    assert all(c.usage is None for c in chunks[:-1])


def test_stream_without_usage(client, kluster_emulator):
    kluster_emulator.settings.stream_usage = False
    chunks = list(client.chat.completions.create(model=MODEL, messages=HELLO, stream=True))
    assert all(c.usage is None for c in chunks)


def test_raw_sse_ends_with_done(kluster_emulator):
    import httpx

    with httpx.stream(
        "POST",
        f"{kluster_emulator.base_url}/chat/completions",
        headers={"Authorization": "Bearer k"},
        json={"model": MODEL, "messages": HELLO, "stream": True},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") for line in lines)


async def test_async_and_async_stream(aclient, kluster_emulator):
    kluster_emulator.queue_replies("async one", "async two")
    reply = await aclient.chat.completions.create(model=MODEL, messages=HELLO)
    assert reply.choices[0].message.content == "async one"
    stream = await aclient.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream])
    assert text == "async two"
    assert len(kluster_emulator.chat_requests()) == 2


async def test_async_rejects_refused_fields(aclient):
    with pytest.raises(openai.BadRequestError):
        await aclient.chat.completions.create(model=MODEL, messages=HELLO, tools=[])


def test_the_400_names_each_refused_field_and_reason_once(client):
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "x", "name": "a"}, *HELLO],
        "tools": [],
        "tool_choice": "none",
        "parallel_tool_calls": True,
    }
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(**body)
    message = info.value.body["message"]
    words = re.findall(r"[\w.\[\]]+", message)
    violations = contract_violations(body)
    assert {name for name, _ in violations} == {
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "messages[0].name",
    }
    for name, reason in violations:
        assert words.count(name) == 1, (name, message)
        assert message.count(reason) == 1, (reason, message)
