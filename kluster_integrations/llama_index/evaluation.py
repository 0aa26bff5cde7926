"""``KlusterVerifyEvaluator``: kluster.ai Verify as a LlamaIndex evaluator for RAG.

``evaluate(query=, response=, contexts=)`` and ``evaluate_response(query=, response=)``
(contexts from the response's source nodes), sync and async, send one check through
``core.verify`` and return an ``EvaluationResult``: ``passing`` is ``not
is_hallucination``, ``feedback`` the explanation, ``score`` 1.0 or 0.0. It runs in
``BatchEvalRunner`` beside LlamaIndex's own evaluators.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.evaluation import BaseEvaluator, EvaluationResult
from llama_index.core.prompts.mixin import PromptDictType

from kluster_integrations.core.errors import HallucinationDetectedError
from kluster_integrations.core.verify import VerifyClient, VerifyResult

__all__ = ["KlusterVerifyEvaluator"]


class KlusterVerifyEvaluator(BaseEvaluator):
    """Is a RAG answer supported by the retrieved contexts? kluster.ai Verify as a
    LlamaIndex `BaseEvaluator`.

    The answer (`response`) to the question (`query`) is checked against the `contexts`
    (joined, one per paragraph); with `contexts=None` against general knowledge and a web
    search. `passing` is `not is_hallucination`, `feedback` the explanation, `score` 1.0
    or 0.0. Bad input (no query or response, an empty list of contexts) raises
    `InvalidRequestError` before anything is sent.

    Args:
        raise_error (bool): Raise `HallucinationDetectedError` (carrying the
            `VerifyResult`) for a hallucinated answer instead of returning a failing result.
        return_search_results (bool): Ask for the sources of checks without contexts.
        api_key (str | None): Defaults to `$KLUSTER_API_KEY`. Never shown.
        base_url (str | None): Defaults to `$KLUSTER_BASE_URL`, else
            `https://api.kluster.ai/v1`.
        timeout, max_retries, deadline, max_response_bytes: as on `KlusterLLM`.

    Examples:
        `pip install "kluster-integrations[llama-index]"`

        ```python
        from llama_index.core.evaluation import BatchEvalRunner

        from kluster_integrations.llama_index import KlusterVerifyEvaluator

        evaluator = KlusterVerifyEvaluator()
        result = evaluator.evaluate(
            query="How many requests per minute does the Trial tier allow?",
            response="The Trial tier allows 60 requests per minute.",
            contexts=["The Trial tier allows 30 requests per minute."],
        )
        print(result.passing, result.feedback)

        runner = BatchEvalRunner({"kluster_verify": evaluator}, workers=4)
        ```
    """

    def __init__(
        self,
        *,
        raise_error: bool = False,
        return_search_results: bool = False,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        max_response_bytes: int | None = None,
    ) -> None:
        self.raise_error = raise_error
        self.return_search_results = return_search_results
        self._verifier = VerifyClient(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
        )

    def __repr__(self) -> str:
        return f"KlusterVerifyEvaluator(base_url={self._verifier.base_url!r})"

    def _get_prompts(self) -> PromptDictType:
        """Verify takes no prompt templates."""
        return {}

    def _update_prompts(self, prompts_dict: PromptDictType) -> None:
        """Nothing to update: Verify takes no prompt templates."""

    def evaluate(
        self,
        query: str | None = None,
        response: str | None = None,
        contexts: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> EvaluationResult:
        """Check ``response`` (the answer to ``query``) against ``contexts``."""
        result = self._verifier.verify(
            query,
            response,
            context=_joined(contexts),
            return_search_results=self.return_search_results,
        )
        return self._evaluation(query, response, contexts, result)

    async def aevaluate(
        self,
        query: str | None = None,
        response: str | None = None,
        contexts: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> EvaluationResult:
        """The async form of ``evaluate``."""
        result = await self._verifier.averify(
            query,
            response,
            context=_joined(contexts),
            return_search_results=self.return_search_results,
        )
        return self._evaluation(query, response, contexts, result)

    def _evaluation(
        self,
        query: str | None,
        response: str | None,
        contexts: Sequence[str] | None,
        result: VerifyResult,
    ) -> EvaluationResult:
        if self.raise_error and result.is_hallucination:
            raise HallucinationDetectedError(result)
        return EvaluationResult(
            query=query,
            response=response,
            contexts=contexts,
            passing=result.passed,
            feedback=result.explanation,
            score=1.0 if result.passed else 0.0,
        )


def _joined(contexts: Any) -> Any:
    """The contexts as one text, one per paragraph; anything that is not a list of texts as
    it is (the core names what is wrong with it)."""
    is_list = isinstance(contexts, Sequence) and not isinstance(contexts, str | bytes)
    if is_list and all(isinstance(context, str) for context in contexts):
        return "\n\n".join(contexts)
    return contexts
