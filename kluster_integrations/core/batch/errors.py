"""Typed errors of the Batch API engine (all under ``KlusterError``).

Example::

    try:
        answers = job.results()
    except BatchResultsError as err:
        answers = err.results          # answers and BatchItemError objects, in input order
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kluster_integrations.core.errors import KlusterError


class BatchInputError(KlusterError, ValueError):
    """What was passed to ``submit_batch`` cannot make a batch; nothing was sent."""

    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        super().__init__(f"Cannot submit this batch: {problem}. {fix} Nothing was sent.")


class BatchNotFoundError(KlusterError, LookupError):
    """kluster.ai knows no batch with this id (for this API key)."""

    def __init__(self, batch_id: str) -> None:
        self.batch_id = batch_id
        super().__init__(
            f"kluster.ai has no batch {batch_id!r} for this API key. Check the id (a job "
            "spanning several batches has the ids joined by '+'), and that KLUSTER_API_KEY and "
            "KLUSTER_BASE_URL are those the job was submitted with.")


class BatchNotFinishedError(KlusterError, RuntimeError):
    """Results were asked for while the batch is still running."""

    def __init__(self, job_id: str, status: str) -> None:
        self.job_id = job_id
        self.status = status
        super().__init__(
            f"Batch {job_id} is still {status}; its results are not ready. Call job.wait() "
            "first (or job.results(wait=True)), or look again later with "
            f"`python -m kluster_integrations.batch status {job_id}`.")


class BatchTimeoutError(KlusterError, TimeoutError):
    """``wait(timeout=...)`` ran out before the batch finished (the batch keeps running)."""

    def __init__(self, job_id: str, timeout: float, status: str) -> None:
        self.job_id = job_id
        self.status = status
        super().__init__(
            f"Batch {job_id} is still {status} after waiting {timeout:g} s. It keeps running "
            "on kluster.ai: wait again, or re-attach later with get_batch("
            f"{job_id!r}).")


class BatchOutputError(KlusterError, ValueError):
    """The output or error file cannot be mapped back to the inputs, so no list is given
    rather than a short or misordered one."""

    def __init__(self, job_id: str, problem: str) -> None:
        self.job_id = job_id
        self.problem = problem
        super().__init__(
            f"The results of batch {job_id} cannot be read: {problem}. No partial or "
            "reordered list is returned; download the files with "
            f"`python -m kluster_integrations.batch results {job_id}` to inspect them.")


class BatchItemError(KlusterError):
    """One request of a batch that has no answer: it failed, or never ran.

    ``custom_id`` and ``index`` (input position) locate it; ``status_code`` is the HTTP
    status the request got (``None`` when it never ran); ``code`` is kluster's error code
    (``batch_expired``, ``batch_cancelled``, ``batch_failed`` ...) when there is one.
    """

    def __init__(self, custom_id: str, index: int, message: str, *,
                 status_code: int | None = None, code: str | None = None,
                 body: Any = None) -> None:
        self.custom_id = custom_id
        self.index = index
        self.status_code = status_code
        self.code = code
        self.body = body
        self.message = message
        where = f"HTTP {status_code}" if status_code is not None else (code or "not run")
        super().__init__(f"Batch request {custom_id!r} (input {index}) failed ({where}): "
                         f"{message}")

    def __reduce__(self) -> Any:
        return (_rebuild_item_error, (self.custom_id, self.index, self.message,
                                      self.status_code, self.code, self.body))


def _rebuild_item_error(custom_id: str, index: int, message: str, status_code: int | None,
                        code: str | None, body: Any) -> BatchItemError:
    return BatchItemError(custom_id, index, message, status_code=status_code, code=code,
                          body=body)


class BatchResultsError(KlusterError):
    """Some requests of the batch failed; ``results`` holds every item in input order (an
    answer, or the ``BatchItemError`` in its place) and ``errors`` only the failures."""

    def __init__(self, job_id: str, results: Sequence[Any]) -> None:
        self.job_id = job_id
        self.results = list(results)
        self.errors = [r for r in self.results if isinstance(r, Exception)]
        first = self.errors[0] if self.errors else None
        super().__init__(
            f"{len(self.errors)} of {len(self.results)} requests in batch {job_id} have no "
            f"answer (first: {first}). Every item is in this error's `results`, in input "
            "order; call results(return_exceptions=True) to get them without raising.")


class AdaptiveInferenceQueuedError(KlusterError, RuntimeError):
    """kluster.ai queued the call for adaptive inference and answered with a placeholder."""

    def __init__(self) -> None:
        super().__init__(
            "kluster.ai queued this request for adaptive inference (metadata "
            "{'@kluster.ai': {'async': True}}) and answered with a placeholder, not an answer. "
            "The result will appear as a batch job: list them with `python -m "
            "kluster_integrations.batch list` and collect it with `... results BATCH_ID`. To "
            "get answers back in your program, use submit_batch(...) instead.")
