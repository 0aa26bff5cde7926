"""Typed errors and warnings raised by kluster-integrations before or instead of a request.

Every error names the problem and the fix. Errors that come back from the server keep the
openai SDK's own types (``openai.BadRequestError``, ``openai.RateLimitError``, ...).

The hierarchy (other bases in brackets, so ``except ValueError`` keeps working; the errors
that are also ``openai.OpenAIError`` are raised inside the openai SDK's request, which passes
them on as they are, without retrying)::

    * KlusterError
      + MissingAPIKeyError [ValueError]
        - EmptyAPIKeyError
      + InvalidAPIKeyError [ValueError]
      + UnsupportedParameterError [ValueError]
      + InvalidRequestError [ValueError]
      + WrongModelPurposeError [ValueError]
      + ToolCallingNotSupportedError [NotImplementedError]
      + InvalidToolError [ValueError]
      + ToolCallRequiredError [ValueError]
      + ImageInputNotSupportedError [ValueError]
      + BatchInputError [ValueError]
      + BatchNotFoundError [LookupError]
      + BatchNotFinishedError [RuntimeError]
      + BatchTimeoutError [TimeoutError]
      + BatchOutputError [ValueError]
      + BatchItemError (one request of a batch without an answer)
      + BatchResultsError (some requests of a batch failed)
      + AdaptiveInferenceQueuedError [RuntimeError]
      + StructuredOutputError [ValueError]
        - StructuredOutputParseError [langchain_core OutputParserException] (in .langchain)
      + StreamInterruptedError [ConnectionError]
      + MalformedResponseError [ValueError, openai OpenAIError]
        - EmbeddingMismatchError
      + ResponseTooLargeError [openai OpenAIError]
      + DeadlineExceededError [openai OpenAIError]
      + StreamIdleTimeoutError [openai OpenAIError]
      + InvalidReasoningModeError [ValueError]
      + ProbeAborted (in .probe)
    * KlusterWarning [UserWarning]
      + UnknownModelWarning
      + UnsupportedParameterWarning
      + BaseURLWarning
      + ModelListingWarning

Example::

    try:
        sanitize_request(request, user_chosen={"response_format"}, policy="raise")
    except UnsupportedParameterError as err:
        print(err.parameters)   # ('response_format',)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openai import OpenAIError


class KlusterError(Exception):
    """Base class of every error this package raises itself."""


class KlusterWarning(UserWarning):
    """Base class of every warning this package emits."""


class UnknownModelWarning(KlusterWarning):
    """The model id is not in the catalog; conservative limits are assumed."""


class UnsupportedParameterWarning(KlusterWarning):
    """A parameter the user set was dropped because kluster.ai rejects it."""


class BaseURLWarning(KlusterWarning):
    """The base URL is probably wrong or unsafe; the message says why and what to do."""


class ModelListingWarning(KlusterWarning):
    """kluster.ai's live model list (``GET /v1/models``) holds values that cannot be right
    (a negative context length, tags that are not a list of words, ...); they were ignored.

    ``model`` names the entry (its id, or ``"entry 3"`` for one without a usable id, which
    was skipped); ``problems`` maps each ignored field to what is wrong with it."""

    def __init__(self, model: str, problems: Mapping[str, str]) -> None:
        self.model = model
        self.problems = dict(problems)
        if "id" in self.problems:
            found = f"an entry that describes no model ({model} {self.problems['id']}), skipped"
        else:
            details = "; ".join(f"{name} {problem}" for name, problem in self.problems.items())
            found = (
                f"values for {model} that cannot be right ({details}); they were ignored and "
                "the built-in values are used (conservative defaults for a model the package "
                "does not know)"
            )
        super().__init__(
            f"kluster.ai's model list has {found}. If kluster.ai changed its model list, a "
            "newer kluster-integrations may read it; else check that the base URL points at "
            "the kluster.ai API."
        )

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.problems)


class WrongModelPurposeError(KlusterError, ValueError):
    """A chat model where an embeddings model belongs, or the other way round."""


class MissingAPIKeyError(KlusterError, ValueError):
    """No API key was passed and the environment variable is unset."""

    def __init__(self, env_var: str) -> None:
        self.env_var = env_var
        super().__init__(
            f"No kluster.ai API key found. Set the {env_var} environment variable "
            f"(export {env_var}=...) or pass api_key=... . To work offline, start the "
            "bundled emulator: python -m kluster_integrations.emulator"
        )


class UnsupportedParameterError(KlusterError, ValueError):
    """The request asks for parameters kluster.ai rejects (raised in strict mode).

    ``problems`` maps each offending parameter to the fix.
    """

    def __init__(
        self,
        problems: dict[str, str],
        *,
        remedy: str = "Remove them, or turn strict mode off to have them dropped with a warning.",
    ) -> None:
        self.problems = dict(problems)
        lines = "\n".join(f"  - {name}: {fix}" for name, fix in self.problems.items())
        super().__init__(
            f"kluster.ai does not accept {len(self.problems)} parameter(s) in this request; "
            f"nothing was sent.\n{lines}\n{remedy}"
        )

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self.problems)


class ToolCallingNotSupportedError(KlusterError, NotImplementedError):
    """Tool calling was requested on a model object with ``tool_calling="off"``."""

    def __init__(self, where: str, instead: str) -> None:
        super().__init__(f"{where}: {instead}")


class StructuredOutputError(KlusterError, ValueError):
    """The model's reply could not be read as JSON matching the requested schema."""

    def __init__(self, problem: str, text: str) -> None:
        self.text = text
        preview = text if len(text) <= 300 else text[:300] + "..."
        super().__init__(
            f"Structured output failed: {problem}. The model replied: {preview!r}. "
            "Try a lower temperature or a model that follows instructions more closely; "
            "the whole reply is in this error's `text`."
        )


class StreamInterruptedError(KlusterError, ConnectionError):
    """A streamed reply ended before the server said it was finished."""

    def __init__(self, received_chars: int) -> None:
        self.received_chars = received_chars
        super().__init__(
            f"The kluster.ai stream ended after {received_chars} characters without a "
            "finish_reason: the answer is incomplete. Retry the request."
        )


class InvalidAPIKeyError(KlusterError, ValueError):
    """The API key holds characters an HTTP header cannot carry (the key is never shown)."""

    def __init__(self, env_var: str) -> None:
        self.env_var = env_var
        super().__init__(
            "The kluster.ai API key contains whitespace, control or non-ASCII characters, so it "
            "cannot be sent (it was probably pasted with a line break). Copy the key again and "
            f"pass it as api_key=... or set {env_var}."
        )


class MalformedResponseError(KlusterError, ValueError, OpenAIError):
    """The server's answer is not a usable chat completion, chunk or embedding list.

    ``status`` and ``content_type`` describe the answer, ``excerpt`` holds its start (the
    API key masked). An ``OpenAIError`` too, so the openai SDK neither retries nor wraps it.
    """

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        content_type: str | None = None,
        excerpt: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.detail = detail
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        answer = ", ".join(
            part
            for part in (
                f"HTTP {status}" if status is not None else "",
                f"content type {content_type!r}" if content_type else "",
                f"starting {excerpt!r}" if excerpt else "",
            )
            if part
        )
        super().__init__(
            f"The server at the kluster.ai base URL sent an answer that cannot be used: "
            f"{detail}{f' ({answer})' if answer else ''}. "
            + (
                fix
                or (
                    "Retry the request; if it keeps happening, check that KLUSTER_BASE_URL "
                    "points at the kluster.ai API (a proxy or login page answers with HTML)."
                )
            )
        )


class InvalidRequestError(KlusterError, ValueError):
    """A request that kluster.ai would reject for its values, caught before sending."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            "Invalid kluster.ai request; nothing was sent:\n"
            + "\n".join(f"  - {p}" for p in self.problems)
        )


class InvalidReasoningModeError(KlusterError, ValueError):
    """``reasoning=`` got something other than ``"separate"``, ``"inline"`` or ``"drop"``."""

    def __init__(self, value: object) -> None:
        super().__init__(
            f"reasoning={value!r} is not an option: use 'separate' (thinking in the "
            "framework's reasoning fields), 'inline' (left in the answer text) or 'drop' "
            "(removed), or leave it unset for 'separate' on reasoning models."
        )


class ImageInputNotSupportedError(KlusterError, ValueError):
    """Images were sent to a model without the vision capability (nothing was sent)."""

    def __init__(self, model: str, where: Sequence[str], vision_models: Sequence[str]) -> None:
        self.model = model
        self.where = tuple(where)
        super().__init__(
            f"{model} is a text-only model on kluster.ai, and {', '.join(where)} hold(s) an "
            "image; nothing was sent. Pick a vision model: " + ", ".join(vision_models) + "."
        )


class InvalidToolError(KlusterError, ValueError):
    """A tool definition, ``tool_choice`` or ``tool_calling`` value that cannot work."""


class ToolCallRequiredError(KlusterError, ValueError):
    """``tool_choice`` demanded a tool call and the model answered without one, twice."""

    def __init__(self, model: str, text: str) -> None:
        self.text = text
        preview = text if len(text) <= 200 else text[:200] + "..."
        super().__init__(
            f"tool_choice requires a tool call, and {model} answered with text twice (the "
            f"second time after being reminded): {preview!r}. Use a tool model "
            "(tool_calling='native'), a lower temperature, or tool_choice='auto'."
        )


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
            "KLUSTER_BASE_URL are those the job was submitted with."
        )


class BatchNotFinishedError(KlusterError, RuntimeError):
    """Results were asked for while the batch is still running."""

    def __init__(self, job_id: str, status: str) -> None:
        self.job_id = job_id
        self.status = status
        super().__init__(
            f"Batch {job_id} is still {status}; its results are not ready. Call job.wait() "
            "first (or job.results(wait=True)), or look again later with "
            f"`python -m kluster_integrations.batch status {job_id}`."
        )


class BatchTimeoutError(KlusterError, TimeoutError):
    """``wait(timeout=...)`` ran out before the batch finished (the batch keeps running)."""

    def __init__(self, job_id: str, timeout: float, status: str) -> None:
        self.job_id = job_id
        self.status = status
        super().__init__(
            f"Batch {job_id} is still {status} after waiting {timeout:g} s. It keeps running "
            "on kluster.ai: wait again, or re-attach later with get_batch("
            f"{job_id!r})."
        )


class BatchOutputError(KlusterError, ValueError):
    """The output or error file cannot be mapped back to the inputs, so no list is given
    rather than a short or misordered one."""

    def __init__(self, job_id: str, problem: str) -> None:
        self.job_id = job_id
        self.problem = problem
        super().__init__(
            f"The results of batch {job_id} cannot be read: {problem}. No partial or "
            "reordered list is returned; download the files with "
            f"`python -m kluster_integrations.batch results {job_id}` to inspect them."
        )


class BatchItemError(KlusterError):
    """One request of a batch that has no answer: it failed, or never ran.

    ``custom_id`` and ``index`` (input position) locate it; ``status_code`` is the HTTP
    status the request got (``None`` when it never ran); ``code`` is kluster's error code
    (``batch_expired``, ``batch_cancelled``, ``batch_failed`` ...) when there is one.
    """

    def __init__(
        self,
        custom_id: str,
        index: int,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        body: Any = None,
    ) -> None:
        self.custom_id = custom_id
        self.index = index
        self.status_code = status_code
        self.code = code
        self.body = body
        self.message = message
        where = f"HTTP {status_code}" if status_code is not None else (code or "not run")
        super().__init__(f"Batch request {custom_id!r} (input {index}) failed ({where}): {message}")

    def __reduce__(self) -> Any:
        return (
            _rebuild_item_error,
            (self.custom_id, self.index, self.message, self.status_code, self.code, self.body),
        )


def _rebuild_item_error(
    custom_id: str, index: int, message: str, status_code: int | None, code: str | None, body: Any
) -> BatchItemError:
    return BatchItemError(custom_id, index, message, status_code=status_code, code=code, body=body)


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
            "order; call results(return_exceptions=True) to get them without raising."
        )


class AdaptiveInferenceQueuedError(KlusterError, RuntimeError):
    """kluster.ai queued the call for adaptive inference and answered with a placeholder."""

    def __init__(self) -> None:
        super().__init__(
            "kluster.ai queued this request for adaptive inference (metadata "
            "{'@kluster.ai': {'async': True}}) and answered with a placeholder, not an answer. "
            "The result will appear as a batch job: list them with `python -m "
            "kluster_integrations.batch list` and collect it with `... results BATCH_ID`. To "
            "get answers back in your program, use submit_batch(...) instead."
        )


class EmbeddingMismatchError(MalformedResponseError):
    """The embeddings answer does not fit the inputs: a vector missing, repeated or extra,
    or vectors of the wrong dimension. Using it would attach vectors to the wrong texts."""


class ResponseTooLargeError(KlusterError, OpenAIError):
    """An answer (or one line of a stream) grew past the response-size cap while read."""

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        super().__init__(
            f"The kluster.ai answer's {what} exceeded {limit:,} bytes (after decompression), "
            "so reading stopped. Raise max_response_bytes=... if such answers are expected; "
            "otherwise check that the base URL points at the kluster.ai API."
        )


class DeadlineExceededError(KlusterError, OpenAIError):
    """The call (all its attempts, and a stream's whole duration) ran past ``deadline``.

    Not a ``TimeoutError``: framework code that waits with ``asyncio.wait_for`` would take
    it for its own timeout and replace it."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        super().__init__(
            f"The kluster.ai call did not finish within its deadline of {deadline:g} seconds "
            "(all attempts included). Raise deadline=... for long answers, or stream them."
        )


class StreamIdleTimeoutError(KlusterError, OpenAIError):
    """A stream sent no data event for ``stream_idle_timeout`` seconds (keep-alive comments
    and a line dripped byte by byte do not count)."""

    def __init__(self, idle_timeout: float) -> None:
        self.idle_timeout = idle_timeout
        super().__init__(
            f"The kluster.ai stream sent no data for {idle_timeout:g} seconds (only keep-alive "
            "comments or a stalled line), so it was stopped; the answer is incomplete. Retry, "
            "or raise stream_idle_timeout=... ."
        )


class EmptyAPIKeyError(MissingAPIKeyError):
    """``api_key=""`` was passed: an explicit empty key is a mistake, not a request to fall
    back to the environment."""

    def __init__(self, env_var: str) -> None:
        self.env_var = env_var
        KlusterError.__init__(
            self,
            f"api_key is empty. Pass the key itself, or leave api_key out to use "
            f"${env_var} (export {env_var}=...).",
        )
