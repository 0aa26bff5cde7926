"""A Verify request holds the fields of one form of the contract and nothing else, or every
bad input is refused before sending with ``InvalidRequestError`` naming the problem."""

from __future__ import annotations

from typing import Any

import pytest

from kluster_integrations.core.contract import (
    VERIFY_CONTEXT_WINDOW,
    VERIFY_MESSAGES_FORM,
    VERIFY_PROMPT_FORM,
)
from kluster_integrations.core.errors import InvalidRequestError, RequestRefusedError
from kluster_integrations.core.verify import (
    CHARS_PER_TOKEN,
    verify_body,
    verify_request_problems,
)

QUESTION = "How many requests per minute does the Trial tier allow?"
ANSWER = "The Trial tier allows 30 requests per minute."
CONTEXT = "The Trial tier allows 30 requests per minute and 20 concurrent requests."
CONVERSATION = [
    {"role": "system", "content": "Answer from the documents."},
    {"role": "user", "content": QUESTION},
    {"role": "assistant", "content": ANSWER},
]


def test_the_prompt_form_sends_its_fields_only_when_given() -> None:
    assert verify_body(QUESTION, ANSWER) == {"prompt": QUESTION, "output": ANSWER}
    body = verify_body(QUESTION, ANSWER, context=CONTEXT, return_search_results=True)
    assert body == {
        "prompt": QUESTION,
        "output": ANSWER,
        "context": CONTEXT,
        "return_search_results": True,
    }
    assert set(body) <= set(VERIFY_PROMPT_FORM)


def test_the_messages_form_sends_roles_and_contents_only() -> None:
    with_extras = [{**message, "name": "bob", "id": 7} for message in CONVERSATION]

    body = verify_body(messages=with_extras)

    assert set(body) == set(VERIFY_MESSAGES_FORM)
    assert body["messages"] == CONVERSATION


def refused(**arguments: Any) -> str:
    with pytest.raises(InvalidRequestError) as caught:
        verify_body(**arguments)
    assert isinstance(caught.value, RequestRefusedError)
    assert isinstance(caught.value, ValueError)
    assert "nothing was sent" in str(caught.value)
    return str(caught.value)


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({}, "Nothing to check"),
        ({"prompt": "", "output": ANSWER}, "`prompt` is empty"),
        ({"prompt": QUESTION, "output": "  \n"}, "`output` is empty"),
        ({"prompt": QUESTION}, "`output` must be text, not missing"),
        ({"output": ANSWER}, "`prompt` must be text, not missing"),
        ({"prompt": 42, "output": ANSWER}, "`prompt` must be text, not a int"),
        ({"prompt": QUESTION, "output": ANSWER, "context": " "}, "`context` is empty"),
        ({"prompt": QUESTION, "output": ANSWER, "context": ["doc"]}, "`context` must be text"),
        (
            {"prompt": QUESTION, "output": ANSWER, "return_search_results": "yes"},
            "`return_search_results` must be true or false",
        ),
        ({"prompt": "a\ud800b", "output": ANSWER}, "`prompt` holds a lone surrogate"),
        ({"messages": CONVERSATION[-1:]}, "holds 1 message(s); Verify needs at least 2"),
        ({"messages": []}, "holds 0 message(s)"),
        ({"messages": "Hi"}, "`messages` must be a list"),
        ({"messages": CONVERSATION[:2]}, "The last message is a user message"),
        (
            {"messages": [*CONVERSATION[:2], {"role": "assistant", "content": " "}]},
            "The last message, the answer to check, is empty",
        ),
        (
            {"messages": [{"role": "tool", "content": "42"}, *CONVERSATION[1:]]},
            "`messages[0].role` is 'tool'",
        ),
        (
            {"messages": [{"role": "user", "content": None}, CONVERSATION[-1]]},
            "`messages[0].content` must be text",
        ),
        ({"messages": ["Hi", CONVERSATION[-1]]}, "`messages[0]` must be an object"),
        (
            {"messages": CONVERSATION, "prompt": QUESTION},
            "`prompt` cannot go with `messages`",
        ),
        (
            {"messages": CONVERSATION, "context": CONTEXT, "return_search_results": True},
            "`context`, `return_search_results` cannot go with `messages`",
        ),
    ],
)
def test_bad_input_is_refused_by_name(arguments: dict[str, Any], named: str) -> None:
    assert named in refused(**arguments)


def test_a_context_over_the_window_is_refused_by_estimate() -> None:
    window = 1_000
    fits = "x" * (window * CHARS_PER_TOKEN - len(QUESTION) - len(ANSWER))
    assert verify_body(QUESTION, ANSWER, context=fits, context_window=window)

    message = refused(prompt=QUESTION, output=ANSWER, context=fits + "x", context_window=window)
    assert "over the 1,000-token context window" in message
    assert "shorten `context`" in message


def test_the_default_window_is_the_catalog_figure_for_the_check() -> None:
    long_context = "word " * (VERIFY_CONTEXT_WINDOW * CHARS_PER_TOKEN // 5 + 10)

    message = refused(prompt=QUESTION, output=ANSWER, context=long_context)

    assert f"{VERIFY_CONTEXT_WINDOW:,}-token context window" in message
    assert "32,000 on the Trial tier" in message


def test_conversations_are_measured_too() -> None:
    long_turn = {"role": "user", "content": "y" * (40 * CHARS_PER_TOKEN)}

    problems = verify_request_problems({"messages": [long_turn, CONVERSATION[-1]]}, 40)

    assert len(problems) == 1 and "shorten the text" in problems[0]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ([1, 2], "The body must be a JSON object."),
        ({"prompt": QUESTION, "output": ANSWER, "model": "m"}, "`model` is not a Verify field"),
        ({"messages": [{**CONVERSATION[1], "name": "bob"}, CONVERSATION[2]]}, "`messages[0].name`"),
        ({"prompt": QUESTION, "output": ANSWER, "context": None}, "`context` must be text"),
    ],
)
def test_bodies_built_elsewhere_are_judged_too(body: Any, named: str) -> None:
    """What the emulator refuses: fields outside the contract, as sent by someone else."""
    assert any(named in problem for problem in verify_request_problems(body))
