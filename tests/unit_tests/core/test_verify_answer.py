"""A Verify answer becomes a ``VerifyResult``, or ``MalformedResponseError`` naming what is
missing or mistyped; nothing unusable reaches the caller."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kluster_integrations.core.errors import MalformedResponseError, ResponseError
from kluster_integrations.core.verify import (
    SearchResult,
    VerifyResult,
    VerifyUsage,
    read_verify_answer,
    verify_answer_of,
)

USAGE = {"prompt_tokens": 1100, "completion_tokens": 154, "total_tokens": 1254}
ANSWER: dict[str, Any] = {
    "is_hallucination": True,
    "explanation": "The Eiffel Tower is in Paris, not in Rome.",
    "usage": USAGE,
}


def test_a_whole_answer_is_typed() -> None:
    answer = {
        **ANSWER,
        "search_results": [
            {"title": "Eiffel Tower", "snippet": "Paris landmark", "link": "https://x.test/1"},
            {"title": "Paris"},
        ],
        "added_later": {"ignored": True},
    }

    result = read_verify_answer(answer)

    assert result == VerifyResult(
        is_hallucination=True,
        explanation=ANSWER["explanation"],
        usage=VerifyUsage(1100, 154, 1254),
        search_results=(
            SearchResult("Eiffel Tower", "Paris landmark", "https://x.test/1"),
            SearchResult("Paris"),
        ),
    )
    assert not result.passed
    assert json.loads(json.dumps(result.to_dict()))["search_results"][1] == {
        "title": "Paris",
        "snippet": None,
        "link": None,
    }


def test_search_results_and_explanation_are_optional() -> None:
    result = read_verify_answer({"is_hallucination": False, "usage": USAGE})

    assert (result.passed, result.explanation, result.search_results) == (True, "", ())


def malformed(answer: Any) -> str:
    with pytest.raises(MalformedResponseError) as caught:
        read_verify_answer(answer, status=200)
    assert isinstance(caught.value, ResponseError)
    assert "python -m kluster_integrations.probe" in str(caught.value)
    return caught.value.detail


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        ({k: v for k, v in ANSWER.items() if k != "is_hallucination"}, "no `is_hallucination`"),
        ({**ANSWER, "is_hallucination": None}, "no `is_hallucination`"),
        ({**ANSWER, "is_hallucination": "true"}, "`is_hallucination` is a str"),
        ({**ANSWER, "is_hallucination": 1}, "`is_hallucination` is a int"),
        ({k: v for k, v in ANSWER.items() if k != "usage"}, "no `usage`"),
        ({**ANSWER, "usage": [1, 2, 3]}, "`usage` is a list"),
        ({**ANSWER, "usage": {**USAGE, "total_tokens": -1}}, "`usage.total_tokens`"),
        ({**ANSWER, "usage": {**USAGE, "prompt_tokens": True}}, "`usage.prompt_tokens`"),
        ({**ANSWER, "usage": {"total_tokens": 3}}, "`usage.prompt_tokens` is missing"),
        ({**ANSWER, "explanation": ["x"]}, "`explanation` is a list"),
        ({**ANSWER, "search_results": {"title": "x"}}, "`search_results` is a dict"),
        ({**ANSWER, "search_results": ["x"]}, "`search_results[0]` is a str"),
        ({**ANSWER, "search_results": [{"snippet": "s"}]}, "has no `title` text"),
        ({**ANSWER, "search_results": [{"title": "t", "link": 3}]}, "link is a int"),
        ([ANSWER], "not a JSON object"),
        (None, "not a JSON object"),
    ],
)
def test_unusable_answers_are_malformed(answer: Any, detail: str) -> None:
    assert detail in malformed(answer)


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"<html>sign in", "not valid JSON"),
        (b'{"is_hallucination": true, "usage": {"total_tokens": ' + b"9" * 5000 + b"}}", "JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nests deeper"),
    ],
)
def test_unreadable_bodies_are_malformed(content: bytes, detail: str) -> None:
    response = httpx.Response(200, content=content, headers={"content-type": "application/json"})

    with pytest.raises(MalformedResponseError) as caught:
        verify_answer_of(response)

    assert detail in caught.value.detail
