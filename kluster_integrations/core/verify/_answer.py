"""A Verify answer read into a ``VerifyResult``, or ``MalformedResponseError`` naming what is
wrong with it.

The answer must be a JSON object with ``is_hallucination`` (true or false) and ``usage``
(three non-negative token counts), may carry ``explanation`` (text) and ``search_results``
(a list of ``{"title", "snippet"?, "link"?}``); fields it has besides are ignored
(``core.contract``: ``VERIFY_ANSWER_REQUIRED``, ``VERIFY_USAGE_FIELDS``,
``VERIFY_SEARCH_RESULT_FIELDS``). Reading takes time linear in the answer's size, which the
transport caps (``max_response_bytes``).

Example::

    >>> answer = {"is_hallucination": True, "explanation": "Rome is wrong.",
    ...           "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}}
    >>> read_verify_answer(answer).is_hallucination
    True
    >>> read_verify_answer({"explanation": "?"})
    Traceback (most recent call last):
    ...
    kluster_integrations.core.errors.MalformedResponseError: ...no `is_hallucination`...
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from kluster_integrations.core.answer import unreadable_answer
from kluster_integrations.core.contract import (
    VERIFY_ANSWER_REQUIRED,
    VERIFY_SEARCH_RESULT_FIELDS,
    VERIFY_USAGE_FIELDS,
)
from kluster_integrations.core.errors import MalformedResponseError
from kluster_integrations.core.transport import masked_excerpt
from kluster_integrations.core.verify._result import SearchResult, VerifyResult, VerifyUsage

_FIX = (
    "kluster.ai's Verify answer may have changed: run `python -m kluster_integrations.probe` "
    "to compare it with the contract, and check that KLUSTER_BASE_URL points at the kluster.ai "
    "API."
)


def verify_answer_of(response: httpx.Response) -> VerifyResult:
    """The ``VerifyResult`` in a Verify request's HTTP answer (its body read whole)."""
    try:
        data = json.loads(response.content)
    except ValueError as err:  # not JSON, or an integer longer than Python reads
        raise unreadable_answer(err) from err
    except RecursionError as err:
        raise MalformedResponseError(
            "its JSON nests deeper than can be read", status=response.status_code, fix=_FIX
        ) from err
    return read_verify_answer(data, status=response.status_code)


def read_verify_answer(answer: Any, *, status: int | None = None) -> VerifyResult:
    """``answer`` (decoded JSON) as a ``VerifyResult``; ``MalformedResponseError`` when it
    lacks a required field or a field has the wrong type."""
    if not isinstance(answer, Mapping):
        raise _malformed("the Verify answer is not a JSON object", answer, status)
    for name in VERIFY_ANSWER_REQUIRED:
        if answer.get(name) is None:
            raise _malformed(f"the Verify answer has no `{name}`", answer, status)
    verdict = answer["is_hallucination"]
    if not isinstance(verdict, bool):
        raise _malformed(
            f"`is_hallucination` is {_kind(verdict)}, not true or false", answer, status
        )
    explanation = answer.get("explanation")
    if explanation is None:
        explanation = ""
    elif not isinstance(explanation, str):
        raise _malformed(f"`explanation` is {_kind(explanation)}, not text", answer, status)
    return VerifyResult(
        is_hallucination=verdict,
        explanation=explanation,
        usage=_usage(answer["usage"], answer, status),
        search_results=_search_results(answer.get("search_results"), answer, status),
    )


def _usage(usage: Any, answer: Mapping[str, Any], status: int | None) -> VerifyUsage:
    if not isinstance(usage, Mapping):
        raise _malformed(f"`usage` is {_kind(usage)}, not an object", answer, status)
    counts = []
    for name in VERIFY_USAGE_FIELDS:
        value = usage.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _malformed(f"`usage.{name}` is {_kind(value)}, not a token count", answer, status)
        counts.append(value)
    return VerifyUsage(*counts)


def _search_results(
    results: Any, answer: Mapping[str, Any], status: int | None
) -> tuple[SearchResult, ...]:
    if results is None:
        return ()
    if not isinstance(results, list):
        raise _malformed(f"`search_results` is {_kind(results)}, not a list", answer, status)
    found = []
    title_field, *optional = VERIFY_SEARCH_RESULT_FIELDS
    for index, item in enumerate(results):
        place = f"`search_results[{index}]`"
        if not isinstance(item, Mapping):
            raise _malformed(f"{place} is {_kind(item)}, not an object", answer, status)
        title = item.get(title_field)
        if not isinstance(title, str):
            raise _malformed(f"{place} has no `{title_field}` text", answer, status)
        extra: dict[str, str | None] = {}
        for name in optional:
            value = extra[name] = item.get(name)
            if value is not None and not isinstance(value, str):
                raise _malformed(f"{place}.{name} is {_kind(value)}, not text", answer, status)
        found.append(SearchResult(title, **extra))
    return tuple(found)


def _kind(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "a boolean"
    return f"a {type(value).__name__}"


def _malformed(detail: str, answer: Any, status: int | None) -> MalformedResponseError:
    try:
        shown = json.dumps(answer)
    except (TypeError, ValueError, RecursionError):
        shown = repr(answer)
    return MalformedResponseError(
        detail,
        status=status,
        content_type="application/json",
        excerpt=masked_excerpt(shown),
        fix=_FIX,
    )
