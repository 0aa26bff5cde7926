"""What kluster.ai Verify answers, typed: the verdict, its explanation, the search results
it used (when asked for) and the tokens it cost.

Example::

    >>> result = VerifyResult(False, "Supported by the context.", VerifyUsage(120, 30, 150))
    >>> result.passed, result.to_dict()["usage"]["total_tokens"]
    (True, 150)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SearchResult:
    """One source the check consulted: its ``title``, and a ``snippet`` and ``link`` when the
    answer gave them (text as sent: a ``link`` is never opened by this package)."""

    title: str
    snippet: str | None = None
    link: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """``{"title", "snippet", "link"}``, as in the answer."""
        return {"title": self.title, "snippet": self.snippet, "link": self.link}


@dataclass(frozen=True)
class VerifyUsage:
    """Tokens one check cost, as the answer's ``usage`` reports them."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int

    def to_dict(self) -> dict[str, int]:
        """``{"prompt_tokens", "completion_tokens", "total_tokens"}``."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True)
class VerifyResult:
    """kluster.ai Verify's verdict on one answer.

    ``is_hallucination`` says whether the answer holds unreliable or unsupported content
    (against the context when one was given, else against general knowledge and a web
    search); ``explanation`` says why; ``search_results`` holds the sources consulted when
    ``return_search_results=True`` was asked (else it is empty); ``usage`` the tokens.
    """

    is_hallucination: bool
    explanation: str
    usage: VerifyUsage
    search_results: tuple[SearchResult, ...] = ()

    @property
    def passed(self) -> bool:
        """``True`` when no hallucination was found."""
        return not self.is_hallucination

    def to_dict(self) -> dict[str, Any]:
        """The verdict as plain JSON data (for metadata, logs, tables)."""
        return {
            "is_hallucination": self.is_hallucination,
            "explanation": self.explanation,
            "search_results": [result.to_dict() for result in self.search_results],
            "usage": self.usage.to_dict(),
        }
