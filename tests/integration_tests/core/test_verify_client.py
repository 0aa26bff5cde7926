"""``verify_reliability`` / ``averify_reliability`` and ``VerifyClient`` on the emulator,
through the real openai SDK: both request forms, context and none, search results, what
went over the wire, bad input refused before sending, and the connection the chat classes
have (retries, typed errors, deadline, size cap, the key kept out of errors)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import openai
import pytest

from kluster_integrations import (
    DeadlineExceededError,
    InvalidRequestError,
    MalformedResponseError,
    MissingAPIKeyError,
    ResponseTooLargeError,
    SearchResult,
    VerifyClient,
    VerifyResult,
    averify_reliability,
    verify_reliability,
)
from kluster_integrations.core.contract import VERIFY_MESSAGES_FORM, VERIFY_PROMPT_FORM
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.emulator._state import VERIFY_PATH, Fault

QUESTION = "How many requests per minute does the Trial tier allow?"
CONTEXT = (
    "The Trial tier allows 30 requests per minute and 20 concurrent requests. "
    "The Core tier allows 600 requests per minute."
)
RIGHT = "The Trial tier allows 30 requests per minute."
WRONG = "The Trial tier allows 60 requests per minute."
CONVERSATION = [
    {"role": "system", "content": f"Answer from this document: {CONTEXT}"},
    {"role": "user", "content": QUESTION},
    {"role": "assistant", "content": WRONG},
]


def sent(emulator: KlusterEmulator) -> list[dict[str, Any]]:
    bodies = emulator.verify_requests()
    assert all(
        set(body) <= set(VERIFY_PROMPT_FORM) or set(body) == set(VERIFY_MESSAGES_FORM)
        for body in bodies
    ), "a Verify request carried a field outside the contract"
    return bodies


def test_an_answer_is_checked_against_its_context(kluster_env: KlusterEmulator) -> None:
    right = verify_reliability(QUESTION, RIGHT, context=CONTEXT)
    wrong = verify_reliability(prompt=QUESTION, output=WRONG, context=CONTEXT)

    assert isinstance(right, VerifyResult) and right.passed
    assert wrong.is_hallucination and "'60'" in wrong.explanation
    assert wrong.search_results == ()
    assert wrong.usage.total_tokens == wrong.usage.prompt_tokens + wrong.usage.completion_tokens
    assert sent(kluster_env) == [
        {"prompt": QUESTION, "output": RIGHT, "context": CONTEXT},
        {"prompt": QUESTION, "output": WRONG, "context": CONTEXT},
    ]


def test_without_context_search_results_come_typed(kluster_env: KlusterEmulator) -> None:
    result = verify_reliability(
        "Is the Eiffel Tower in Paris?", "Yes, it is in Paris.", return_search_results=True
    )

    assert result.passed
    assert result.search_results and all(isinstance(r, SearchResult) for r in result.search_results)
    assert result.search_results[0].link is not None
    assert sent(kluster_env) == [
        {
            "prompt": "Is the Eiffel Tower in Paris?",
            "output": "Yes, it is in Paris.",
            "return_search_results": True,
        }
    ]


def test_a_conversation_is_checked_on_its_last_message(kluster_env: KlusterEmulator) -> None:
    with_extras = [{**message, "name": "agent-7"} for message in CONVERSATION]

    result = verify_reliability(messages=with_extras)

    assert result.is_hallucination
    assert sent(kluster_env) == [{"messages": CONVERSATION}]


def test_the_async_twin_checks_both_forms(kluster_env: KlusterEmulator) -> None:
    async def both() -> list[VerifyResult]:
        return await asyncio.gather(
            averify_reliability(QUESTION, RIGHT, context=CONTEXT),
            averify_reliability(messages=CONVERSATION),
        )

    prompt_form, messages_form = asyncio.run(both())

    assert prompt_form.passed and messages_form.is_hallucination
    bodies = sent(kluster_env)
    assert {"messages": CONVERSATION} in bodies and len(bodies) == 2


def test_the_shared_client_survives_one_event_loop_after_another(
    kluster_env: KlusterEmulator,
) -> None:
    """``asyncio.run`` per check (a script, a notebook cell): each loop gets its own pool."""
    for _ in range(3):
        assert asyncio.run(averify_reliability(QUESTION, RIGHT, context=CONTEXT)).passed

    assert retry_counts(kluster_env) == ["0", "0", "0"], "no stale connection was retried"


@pytest.mark.parametrize(
    "arguments",
    [
        {"prompt": "", "output": RIGHT},
        {"prompt": QUESTION, "output": " "},
        {"messages": CONVERSATION[-1:]},
        {"messages": CONVERSATION[:2]},
        {"prompt": QUESTION, "output": RIGHT, "context": "x" * 500_000},
        {"messages": CONVERSATION, "context": CONTEXT},
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    kluster_env: KlusterEmulator, arguments: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequestError):
        verify_reliability(**arguments)
    with pytest.raises(InvalidRequestError):
        asyncio.run(averify_reliability(**arguments))

    assert kluster_env.requests == []


def retry_counts(emulator: KlusterEmulator) -> list[str]:
    return [r.headers.get("x-stainless-retry-count", "?") for r in emulator.requests]


def test_a_rate_limit_is_retried_after_the_advised_wait(kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(Fault(status=429, retry_after=0.3, path=VERIFY_PATH))
    started = time.monotonic()

    assert VerifyClient(max_retries=1).verify(QUESTION, RIGHT, context=CONTEXT).passed

    assert time.monotonic() - started >= 0.3
    assert retry_counts(kluster_env) == ["0", "1"]


def test_server_errors_are_retried_then_raised_typed(kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(Fault(status=503, path=VERIFY_PATH, times=5))

    with pytest.raises(openai.InternalServerError):
        VerifyClient(max_retries=1).verify(QUESTION, RIGHT)

    assert retry_counts(kluster_env) == ["0", "1"]


def test_a_refusal_is_the_sdks_typed_error_and_not_retried(kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(Fault(status=400, path=VERIFY_PATH))

    with pytest.raises(openai.BadRequestError):
        verify_reliability(QUESTION, RIGHT)

    assert retry_counts(kluster_env) == ["0"]


ANSWER_WITHOUT_VERDICT = {
    "explanation": "Looks fine.",
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


@pytest.mark.parametrize(
    ("fault", "detail"),
    [
        (Fault(status=200, body=ANSWER_WITHOUT_VERDICT), "no `is_hallucination`"),
        (Fault(status=200, body={**ANSWER_WITHOUT_VERDICT, "is_hallucination": "no"}), "a str"),
        (Fault(status=200, body={"is_hallucination": False}), "no `usage`"),
        (Fault(answer="json_list"), "not a JSON object"),
        (Fault(malformed=True), "not valid JSON"),
        (Fault(answer="html_page"), "neither JSON nor an event stream"),
    ],
)
def test_malformed_answers_raise_malformed_response_error(
    kluster_env: KlusterEmulator, fault: Fault, detail: str
) -> None:
    fault.path = VERIFY_PATH
    kluster_env.add_fault(fault)

    with pytest.raises(MalformedResponseError) as caught:
        verify_reliability(QUESTION, RIGHT)

    assert detail in caught.value.detail
    assert len(kluster_env.requests) == 1, "an unusable answer is not retried"


def test_async_answers_are_checked_too(kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(Fault(status=200, body=ANSWER_WITHOUT_VERDICT, path=VERIFY_PATH))

    with pytest.raises(MalformedResponseError):
        asyncio.run(averify_reliability(QUESTION, RIGHT))


def test_the_deadline_covers_a_slow_check(kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(Fault(delay=3.0, path=VERIFY_PATH, times=10))

    with pytest.raises(DeadlineExceededError):
        VerifyClient(deadline=0.5).verify(QUESTION, RIGHT)
    with pytest.raises(TimeoutError):
        asyncio.run(VerifyClient(deadline=0.5).averify(QUESTION, RIGHT))


def test_the_size_cap_holds(kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(Fault(answer="oversized", answer_bytes=20_000, path=VERIFY_PATH))

    with pytest.raises(ResponseTooLargeError):
        VerifyClient(max_response_bytes=4_000).verify(QUESTION, RIGHT)


def test_a_key_echoed_in_an_error_is_masked(
    kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-verify-secret-0123456789"
    kluster_env.add_fault(Fault(answer="echo_key_401", path=VERIFY_PATH))

    with pytest.raises(openai.AuthenticationError) as caught:
        VerifyClient(api_key=secret).verify(QUESTION, RIGHT)

    assert secret not in str(caught.value) and secret not in repr(caught.value.body)
    assert secret not in repr(VerifyClient(api_key=secret))


def test_no_key_is_a_configuration_error(
    kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLUSTER_API_KEY")

    with pytest.raises(MissingAPIKeyError):
        verify_reliability(QUESTION, RIGHT)
    assert kluster_env.requests == []
