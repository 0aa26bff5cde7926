"""History rewriting: names, tool calls and tool results become readable text."""

from __future__ import annotations

from kluster_integrations.core.contract import forbidden_message_fields
from kluster_integrations.core.request import sanitize_request

#: A vision model without native tools: images pass, tool-call history becomes text.
MODEL = "google/gemma-3-27b-it"


def clean(messages):
    return sanitize_request({"model": MODEL, "messages": messages}).request["messages"]


def call(call_id, name, arguments):
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_name_moves_into_content_for_each_speaking_role():
    for role in ("system", "user", "assistant"):
        (message,) = clean([{"role": role, "name": "ada", "content": "hello"}])
        assert message == {"role": role, "content": "ada: hello"}


def test_name_on_multimodal_content_prefixes_the_first_text_part():
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}
    (message,) = clean(
        [
            {
                "role": "user",
                "name": "ada",
                "content": [image, {"type": "text", "text": "what is this?"}],
            }
        ]
    )
    assert message["content"] == [image, {"type": "text", "text": "ada: what is this?"}]


def test_name_on_image_only_content_adds_a_text_part():
    image = {"type": "image_url", "image_url": {"url": "u"}}
    (message,) = clean([{"role": "user", "name": "ada", "content": [image]}])
    assert message["content"] == [{"type": "text", "text": "ada:"}, image]


def test_tool_call_turn_and_results_become_text():
    messages = [
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                call("c1", "weather", '{"city": "Paris"}'),
                call("c2", "weather", '{"city": "Rome"}'),
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "18C"},
        {"role": "tool", "tool_call_id": "c2", "content": [{"type": "text", "text": "21C"}]},
        {"role": "assistant", "content": "Paris 18C, Rome 21C."},
    ]
    out = clean(messages)
    assert [m["role"] for m in out] == ["user", "assistant", "user", "assistant"]
    assert out[1] == {
        "role": "assistant",
        "content": 'Called tool weather (call c1) with arguments: {"city": "Paris"}\n'
        'Called tool weather (call c2) with arguments: {"city": "Rome"}',
    }
    assert out[2] == {
        "role": "user",
        "content": "Tool result from weather (call c1): 18C\n\n"
        "Tool result from weather (call c2): 21C",
    }
    for message in out:
        assert not set(message) & {"tool_calls", "tool_call_id", "name"}


def test_assistant_text_is_kept_before_the_call_description():
    (message,) = clean(
        [
            {
                "role": "assistant",
                "content": "Let me look.",
                "tool_calls": [call("c1", "search", '{"q": "x"}')],
            }
        ]
    )
    assert message["content"] == (
        'Let me look.\nCalled tool search (call c1) with arguments: {"q": "x"}'
    )


def test_legacy_function_call_and_function_message():
    out = clean(
        [
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "add", "arguments": "1,2"},
            },
            {"role": "function", "name": "add", "content": "3"},
        ]
    )
    assert out == [
        {"role": "assistant", "content": "Called tool add with arguments: 1,2"},
        {"role": "user", "content": "Tool result from add: 3"},
    ]


def test_refusal_becomes_content_when_there_is_none():
    (message,) = clean([{"role": "assistant", "content": None, "refusal": "I can't help."}])
    assert message == {"role": "assistant", "content": "I can't help."}


def test_refusal_is_dropped_when_content_exists():
    (message,) = clean([{"role": "assistant", "content": "ok", "refusal": None}])
    assert message == {"role": "assistant", "content": "ok"}


def test_empty_assistant_turn_is_removed_and_recorded():
    result = sanitize_request(
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": None, "audio": {"id": "a1"}},
            ],
        }
    )
    assert result.request["messages"] == [{"role": "user", "content": "hi"}]
    assert any(c.location == "messages[1]" and c.action == "dropped" for c in result.changes)


def test_tool_result_without_known_call_still_reads_well():
    (message,) = clean([{"role": "tool", "tool_call_id": "zz", "content": "42"}])
    assert message == {"role": "user", "content": "Tool result from a tool (call zz): 42"}


def test_no_forbidden_field_survives_any_role():
    messages = [
        {
            "role": role,
            "content": "x",
            "name": "n",
            "refusal": "r",
            "audio": {"id": "a"},
            "tool_calls": [call("c", "f", "{}")],
            "function_call": {"name": "f", "arguments": ""},
        }
        for role in ("system", "user", "assistant")
    ]
    for message in clean(messages):
        assert not set(forbidden_message_fields(message["role"])) & set(message)


def test_tool_results_fold_into_the_next_user_turn():
    out = clean(
        [
            {"role": "assistant", "content": None, "tool_calls": [call("c1", "clock", "{}")]},
            {"role": "tool", "tool_call_id": "c1", "content": "12:00"},
            {"role": "user", "content": "And tomorrow?"},
        ]
    )
    assert [m["role"] for m in out] == ["assistant", "user"]
    assert out[1]["content"] == "Tool result from clock (call c1): 12:00\n\nAnd tomorrow?"


def test_openai_sdk_message_objects_are_cleaned():
    from openai.types.chat import ChatCompletionMessage

    reply = ChatCompletionMessage.model_validate(
        {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "audio": None,
            "tool_calls": [call("c1", "lookup", '{"q": 1}')],
        }
    )
    out = clean(
        [
            {"role": "user", "content": "q"},
            reply,
            {"role": "tool", "tool_call_id": "c1", "content": "found"},
        ]
    )
    assert out == [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": 'Called tool lookup (call c1) with arguments: {"q": 1}'},
        {"role": "user", "content": "Tool result from lookup (call c1): found"},
    ]


def test_plain_sdk_reply_loses_only_its_null_fields():
    from openai.types.chat import ChatCompletionMessage

    reply = ChatCompletionMessage.model_validate(
        {"role": "assistant", "content": "hi", "refusal": None}
    )
    assert clean([reply]) == [{"role": "assistant", "content": "hi"}]


def test_custom_tool_calls_keep_their_input():
    (message,) = clean(
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c9", "type": "custom", "custom": {"name": "grep", "input": "foo"}}
                ],
            }
        ]
    )
    assert message["content"] == "Called tool grep (call c9) with arguments: foo"


def test_roles_outside_the_contract_keep_their_fields():
    message = {"role": "developer", "name": "ops", "content": "be brief"}
    assert clean([message]) == [message]


def test_null_tool_calls_are_dropped_not_described():
    result = sanitize_request(
        {"model": "m", "messages": [{"role": "assistant", "content": "ok", "tool_calls": None}]}
    )
    assert result.request["messages"] == [{"role": "assistant", "content": "ok"}]
    assert [c.action for c in result.changes] == ["dropped"]


def test_messages_in_any_iterable():
    generated = ({"role": "user", "name": "ada", "content": "hi"} for _ in range(1))
    result = sanitize_request({"model": "m", "messages": generated})
    assert result.request["messages"] == [{"role": "user", "content": "ada: hi"}]
