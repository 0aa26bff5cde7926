"""Random requests through the sanitizer: nothing the contract refuses ever survives."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kluster_integrations.core.contract import (
    RENAMED_PARAMETERS,
    TOOL_RESULT_ROLES,
    UNSUPPORTED_PARAMETERS,
    forbidden_message_fields,
)
from kluster_integrations.core.request import sanitize_request
from kluster_integrations.emulator._refusals import contract_violations

REFUSED = sorted(UNSUPPORTED_PARAMETERS) + sorted(RENAMED_PARAMETERS)
ALLOWED = ["temperature", "top_p", "seed", "stop", "stream", "user", "metadata"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
text_content = (
    st.text(max_size=20)
    | st.none()
    | st.lists(
        st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=10)}), max_size=2
    )
)
tool_call = st.fixed_dictionaries(
    {
        "id": st.text(min_size=1, max_size=4),
        "type": st.just("function"),
        "function": st.fixed_dictionaries(
            {"name": st.text(max_size=6), "arguments": st.text(max_size=10)}
        ),
    }
)
message = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["system", "user", "assistant", "tool", "function"]),
        "content": text_content,
    },
    optional={
        "name": st.text(max_size=6),
        "refusal": st.none() | st.text(max_size=6),
        "audio": st.none() | st.fixed_dictionaries({"id": st.text(max_size=4)}),
        "tool_calls": st.lists(tool_call, max_size=2),
        "function_call": st.fixed_dictionaries(
            {"name": st.text(max_size=4), "arguments": st.text(max_size=4)}
        ),
        "tool_call_id": st.text(max_size=4),
    },
)
params = st.dictionaries(st.sampled_from(REFUSED + ALLOWED), json_values, max_size=8)
request = st.builds(
    lambda p, msgs, extra: {
        **p,
        "model": "m",
        "messages": msgs,
        **({"extra_body": extra} if extra is not None else {}),
    },
    params,
    st.lists(message, max_size=8),
    st.none() | params,
)


@pytest.mark.filterwarnings(
    "ignore::kluster_integrations.core.request._sanitizer.UnsupportedParameterWarning"
)
@settings(max_examples=300, deadline=None)
@given(request, st.sampled_from(["drop", "warn"]), st.sets(st.sampled_from(REFUSED)))
def test_nothing_refused_survives(req, policy, user_chosen):
    snapshot = copy.deepcopy(req)
    out = sanitize_request(req, user_chosen=user_chosen, policy=policy).request
    assert req == snapshot, "the sanitizer mutated its input"
    assert contract_violations(out) == []
    assert not set(REFUSED) & set(out.get("extra_body") or {})
    for msg in out["messages"]:
        assert msg["role"] not in TOOL_RESULT_ROLES
        assert not set(forbidden_message_fields(msg["role"])) & set(msg)


@settings(max_examples=200, deadline=None)
@given(request)
def test_sanitizing_twice_changes_nothing_more(req):
    once = sanitize_request(req).request
    twice = sanitize_request(once)
    assert twice.request == once
    assert twice.changes == ()
