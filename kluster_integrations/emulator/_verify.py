"""The emulator's kluster.ai Verify: a reliability check that always gives the same verdict.

The rule: an answer is a hallucination when it holds a number, or a capitalised name, that
its reference lacks (names compared without case; a few capitalised function words such as
"The" or "Yes" do not count). The reference is the ``context`` when one is given; without
it, the prompt, or the conversation before the answer (the emulator has no web to search,
so an answer that brings a new fact is flagged). With ``return_search_results`` and no
context, the reference's first sentences come back as search results under
``https://search.emulator.invalid/`` links; with a context, the list is empty.

``verify_answer(body)`` is the answer of ``POST /v1/verify/reliability`` for a body
``core.verify.verify_request_problems`` accepts. On the chat endpoint the model
``klusterai/verify-reliability`` answers with ``chat_verdict(messages)``: the same verdict
as JSON text (kluster.ai does not document that answer's content; this is an assumption).

Example::

    >>> verify_answer({"prompt": "Amount?", "output": "8500 USD.", "context": "Amt:7116GBP"})[
    ...     "is_hallucination"]
    True
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kluster_integrations.emulator._replies import count_tokens

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][A-Za-z]+")
_WORD = re.compile(r"[a-z]+")  # letters only: "7116GBP" holds the name GBP
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
#: Capitalised words that start sentences rather than name things.
_FUNCTION_WORDS = frozenset(
    "a an and as at but by each every for from he her his how i if in is it its my no not of "
    "on one or our she so that the their there these they this those to we what when where "
    "which who why with yes you your".split()
)
#: Search results returned at most, and where their links point (a reserved domain).
MAX_SEARCH_RESULTS = 3
SEARCH_LINK = "https://search.emulator.invalid/"


def verify_answer(body: Mapping[str, Any]) -> dict[str, Any]:
    """The Verify answer for a valid request ``body`` (either form)."""
    if "messages" in body:
        messages = body["messages"]
        reference, source = "\n".join(m["content"] for m in messages[:-1]), "conversation"
        output = messages[-1]["content"]
        texts = [m["content"] for m in messages]
    else:
        output = body["output"]
        context = body.get("context")
        reference, source = (
            (context, "context") if context is not None else (body["prompt"], "prompt")
        )
        texts = [body["prompt"], output, context or ""]
    missing = unsupported_facts(output, reference)
    explanation = _explanation(missing, source)
    answer: dict[str, Any] = {
        "is_hallucination": bool(missing),
        "explanation": explanation,
        "usage": _usage(texts, explanation),
    }
    if body.get("return_search_results"):
        answer["search_results"] = [] if source == "context" else _search_results(reference)
    return answer


def chat_verdict(messages: Sequence[Mapping[str, Any]]) -> str:
    """What ``klusterai/verify-reliability`` answers on the chat endpoint: the verdict on
    the last message, as JSON text."""
    answer = verify_answer({"messages": messages})
    return json.dumps({k: answer[k] for k in ("is_hallucination", "explanation")})


def unsupported_facts(output: str, reference: str) -> list[str]:
    """The numbers and capitalised names of ``output`` that ``reference`` lacks, in order."""
    numbers = {_plain(n) for n in _NUMBER.findall(reference)}
    words = set(_WORD.findall(reference.lower()))
    missing: list[str] = []
    for number in _NUMBER.findall(output):
        if _plain(number) not in numbers and number not in missing:
            missing.append(number)
    for name in _NAME.findall(output):
        lowered = name.lower()
        if lowered not in _FUNCTION_WORDS and lowered not in words and name not in missing:
            missing.append(name)
    return missing


def _plain(number: str) -> str:
    return number.replace(",", "")


def _explanation(missing: list[str], source: str) -> str:
    if not missing:
        return (
            f"Emulated check against the {source}: every number and name in the answer "
            "appears in it."
        )
    shown = ", ".join(repr(fact) for fact in missing[:5])
    return f"Emulated check against the {source}: the answer holds {shown}, which it does not."


def _usage(texts: list[str], explanation: str) -> dict[str, int]:
    prompt_tokens = sum(count_tokens(text) for text in texts)
    completion_tokens = count_tokens(explanation)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _search_results(reference: str) -> list[dict[str, str]]:
    sentences = [s.strip() for s in _SENTENCE_END.split(reference) if s.strip()]
    return [
        {
            "title": f"Emulated search result {index}",
            "snippet": sentence,
            "link": f"{SEARCH_LINK}{index}",
        }
        for index, sentence in enumerate(sentences[:MAX_SEARCH_RESULTS], start=1)
    ]
