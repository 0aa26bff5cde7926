from __future__ import annotations

import pytest

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.core.request import check_request, request_problems

OK = {"model": DEFAULT_CHAT_MODEL, "messages": [{"role": "user", "content": "hi"}]}


def test_a_plain_request_has_no_problems():
    assert request_problems(OK) == []
    check_request(OK)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"messages": []}, "`messages` is empty"),
        ({"messages": "hi"}, "must be a list"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"messages": ["hi"]}, "messages[0]"),
        ({"model": ""}, "`model`"),
        ({"max_completion_tokens": 0}, "positive integer"),
        ({"max_completion_tokens": -5}, "positive integer"),
        ({"max_completion_tokens": 2.5}, "positive integer"),
        ({"max_completion_tokens": True}, "positive integer"),
        ({"max_completion_tokens": 10**9}, "above what"),
        ({"temperature": 3}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
    ],
)
def test_problems_are_named(change, fragment):
    request = {**OK, **change}
    problems = request_problems(request)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(InvalidRequestError, match="nothing was sent"):
        check_request(request)


def test_unknown_models_get_no_token_ceiling():
    assert request_problems({**OK, "model": "ft:mine", "max_completion_tokens": 10**6}) == []


def test_token_ceiling_is_the_models_exact_limit():
    from kluster_integrations.core.models import lookup_model

    limit = lookup_model("google/gemma-3-27b-it").max_output_tokens
    at_limit = {**OK, "model": "google/gemma-3-27b-it", "max_completion_tokens": limit}
    assert request_problems(at_limit) == []
    over = {**at_limit, "max_completion_tokens": limit + 1}
    assert any("above what" in p for p in request_problems(over))
