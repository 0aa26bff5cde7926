"""The sanitizer: every contract parameter, extra_body, policies, no mutation."""

from __future__ import annotations

import copy
import warnings

import pytest

from kluster_integrations.core.contract import RENAMED_PARAMETERS, UNSUPPORTED_PARAMETERS
from kluster_integrations.core.errors import UnsupportedParameterError, UnsupportedParameterWarning
from kluster_integrations.core.request import sanitize_request

# A value for each refused parameter that is not neutral (so a policy applies to it).
MEANINGFUL = {
    "store": True,
    "n": 3,
    "modalities": ["text", "audio"],
    "response_format": {"type": "json_object"},
    "service_tier": "flex",
    "stream_options": {"include_usage": True},
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    "tool_choice": "required",
    "parallel_tool_calls": False,
    "functions": [{"name": "f", "parameters": {}}],
    "function_call": {"name": "f"},
}


def base_request(**extra):
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}], **extra}


def test_every_unsupported_parameter_has_a_meaningful_test_value():
    assert set(MEANINGFUL) == set(UNSUPPORTED_PARAMETERS)


@pytest.mark.parametrize("name", sorted(UNSUPPORTED_PARAMETERS))
def test_injected_parameter_is_dropped_silently(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sanitize_request(base_request(**{name: MEANINGFUL[name]}))
    assert name not in result.request
    assert name in result.dropped
    assert result.request["messages"] == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("name", sorted(UNSUPPORTED_PARAMETERS))
def test_explicit_parameter_warns_by_default(name):
    with pytest.warns(UnsupportedParameterWarning, match=f"`{name}`"):
        result = sanitize_request(base_request(**{name: MEANINGFUL[name]}), user_chosen={name})
    assert name not in result.request


@pytest.mark.parametrize("name", sorted(UNSUPPORTED_PARAMETERS))
def test_explicit_parameter_raises_in_strict_mode(name):
    with pytest.raises(UnsupportedParameterError) as info:
        sanitize_request(
            base_request(**{name: MEANINGFUL[name]}), user_chosen={name}, policy="raise"
        )
    assert info.value.parameters == (name,)
    assert UNSUPPORTED_PARAMETERS[name].fix in str(info.value)
    assert "nothing was sent" in str(info.value)


def test_strict_error_lists_every_offender_with_its_fix():
    request = base_request(response_format={"type": "json_object"}, store=True, n=2, top_p=0.5)
    with pytest.raises(UnsupportedParameterError) as info:
        sanitize_request(
            request, user_chosen={"response_format", "store", "n", "top_p"}, policy="raise"
        )
    assert set(info.value.parameters) == {"response_format", "store", "n"}
    text = str(info.value)
    for name in ("response_format", "store", "n"):
        assert f"- {name}: " in text
    assert "top_p" not in text


def test_drop_policy_neither_warns_nor_raises():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sanitize_request(base_request(store=True), user_chosen={"store"}, policy="drop")
    assert "store" not in result.request


def test_neutral_values_are_dropped_even_in_strict_mode():
    request = base_request(n=1, store=False, service_tier="auto", tools=[], tool_choice="none")
    result = sanitize_request(request, user_chosen=set(request), policy="raise")
    assert set(result.request) == {"model", "messages"}


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="policy"):
        sanitize_request(base_request(), policy="ignore")  # type: ignore[arg-type]


def test_max_tokens_is_renamed_and_never_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sanitize_request(
            base_request(max_tokens=64), user_chosen={"max_tokens"}, policy="raise"
        )
    assert result.request["max_completion_tokens"] == 64
    assert "max_tokens" not in result.request
    assert [c.action for c in result.changes] == ["renamed"]


def test_max_tokens_defers_to_max_completion_tokens():
    result = sanitize_request(base_request(max_tokens=64, max_completion_tokens=32))
    assert result.request["max_completion_tokens"] == 32
    assert "max_tokens" not in result.request


def test_every_renamed_parameter_is_renamed():
    for name, rule in RENAMED_PARAMETERS.items():
        result = sanitize_request(base_request(**{name: 7}))
        assert result.request == base_request(**{rule.replacement: 7})


def test_extra_body_is_cleaned_too():
    request = base_request(
        extra_body={"max_tokens": 5, "response_format": {"type": "json"}, "top_k": 40}
    )
    with pytest.warns(UnsupportedParameterWarning, match="extra_body.response_format"):
        result = sanitize_request(request, user_chosen={"response_format"})
    assert result.request["extra_body"] == {"max_completion_tokens": 5, "top_k": 40}


def test_extra_body_offenders_raise_in_strict_mode():
    with pytest.raises(UnsupportedParameterError) as info:
        sanitize_request(
            base_request(extra_body={"tools": [{"x": 1}]}), user_chosen={"tools"}, policy="raise"
        )
    assert info.value.parameters == ("extra_body.tools",)


def test_supported_parameters_pass_through_untouched():
    request = base_request(
        temperature=0.2,
        top_p=0.9,
        stop=["\n"],
        seed=1,
        stream=True,
        logprobs=True,
        metadata={"@kluster.ai": {"async": True}},
    )
    assert sanitize_request(request).request == request


def test_input_is_never_mutated():
    request = base_request(
        tools=[{"type": "function"}],
        max_tokens=3,
        extra_body={"store": True},
        messages=[
            {"role": "user", "name": "ada", "content": "hi"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
        ],
    )
    snapshot = copy.deepcopy(request)
    result = sanitize_request(request)
    assert request == snapshot
    assert result.request is not request
    assert result.request["messages"] is not request["messages"]


def test_output_messages_are_copies_even_when_clean():
    request = base_request()
    result = sanitize_request(request)
    result.request["messages"][0]["content"] = "changed"
    assert request["messages"][0]["content"] == "hi"


def test_changes_say_where_and_why():
    result = sanitize_request(base_request(tools=[{"x": 1}]))
    (change,) = result.changes
    assert change.location == "tools"
    assert change.action == "dropped"
    assert change.reason == UNSUPPORTED_PARAMETERS["tools"].reason
    assert str(change).startswith("tools: dropped")


def test_extra_body_max_tokens_does_not_override_the_top_level_limit():
    result = sanitize_request(base_request(max_completion_tokens=5, extra_body={"max_tokens": 500}))
    assert result.request["max_completion_tokens"] == 5
    assert result.request["extra_body"] == {}


def test_numeric_neutral_values_match_across_int_and_float():
    result = sanitize_request(base_request(n=1.0), user_chosen={"n"}, policy="raise")
    assert "n" not in result.request
    with pytest.raises(UnsupportedParameterError):
        sanitize_request(base_request(n=True), user_chosen={"n"}, policy="raise")


def test_refused_names_what_the_policy_acted_on():
    result = sanitize_request(
        base_request(store=True, n=1, tools=[{"x": 1}]), user_chosen={"store", "n"}, policy="drop"
    )
    assert result.refused == ("store",)
