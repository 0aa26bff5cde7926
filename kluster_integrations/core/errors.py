"""Typed errors and warnings raised by kluster-integrations before or instead of a request.

Every error names the problem and the fix. Errors that come back from the server keep the
openai SDK's own types (``openai.BadRequestError``, ``openai.RateLimitError``, ...); those
that come from the setup (nothing at the base URL, HTTP 401, 403, 404) are raised as this
package's errors that say what to fix, and are still of the SDK's type.

The errors come in groups, by what the code catching them wants to do:

- ``ConfigurationError``: the model object cannot be made as asked (no API key, a key that
  cannot be sent, an embeddings model where a chat model belongs, an unknown option; no
  request was made), or the server turned a request away for its setup: nothing listens at
  the base URL, the key is refused, the model id or the URL's path is unknown (each also
  the openai SDK's own error for it). Fix the setup; the same call fails the same way.
- ``RequestRefusedError``: this request was refused before sending (a parameter or value
  kluster.ai rejects, a tool that cannot work, tools on a model with tool calling off,
  images for a text-only model). Fix the request; nothing was sent.
- ``ResponseError``: an answer came back and cannot be used (malformed, not fitting the
  inputs, too large, cut off, a reply that is not the structured output or tool call asked
  for, an adaptive-inference placeholder, an answer Verify found hallucinated). Retry, or
  pick a model or settings that answer better.
- ``KlusterTimeoutError``: a call, an idle stream or a batch wait ran out of time. Every
  one is also a builtin ``TimeoutError``. Retry, or raise the limit.
- ``BatchError``: anything about a Batch API job.

Borderline choices: ``InvalidRequestError`` and ``InvalidToolError`` are refusals even when a
constructor raises them (``ChatKluster(strict=...)``, a bad ``tool_calling``): they name a
request value, and nothing is sent. ``StreamInterruptedError`` and ``BatchDownloadError``
(an answer cut off) are ``ResponseError``s, as a truncated body is, and keep their
connection-error bases. A batch error that is also of another group (``BatchInputError``
refused, ``BatchTimeoutError`` a timeout, ``BatchOutputError``, ``BatchDownloadError`` and
``BatchFileTooLargeError`` unusable answers) is drawn under ``BatchError`` with the other
group in brackets. ``BatchItemError`` is only a ``BatchError``: it stands in the results for
one request without an answer and is never raised alone. ``ProbeAborted`` is the contract
probe's own stop and in no group.

The hierarchy (other bases in brackets, so ``except ValueError`` keeps working; the errors
that are also ``openai.OpenAIError`` are raised inside the openai SDK's request, which passes
them on as they are, without retrying)::

    * KlusterError
      x ConfigurationError
        + MissingAPIKeyError [ValueError]
          - EmptyAPIKeyError
        + InvalidAPIKeyError [ValueError]
        + WrongModelPurposeError [ValueError]
        + InvalidReasoningModeError [ValueError]
        + InvalidRateLimitError [ValueError]
        + InvalidPriceError [ValueError]
        + ServerUnreachableError [openai APIConnectionError]
          - KlusterConnectionError (in .langchain: langchain-openai's OpenAIConnectionError too)
        + APIKeyRejectedError [openai AuthenticationError] (HTTP 401)
          - KlusterAuthenticationError (in .langchain: ... OpenAIAuthenticationError too)
        + AccessDeniedError [openai PermissionDeniedError] (HTTP 403)
          - KlusterPermissionDeniedError (in .langchain: ... OpenAIPermissionDeniedError too)
        + UnknownModelError [openai NotFoundError] (HTTP 404)
          - KlusterModelNotFoundError (in .langchain: ... OpenAIModelNotFoundError too)
        + WrongBaseURLPathError [openai NotFoundError] (HTTP 404)
          - KlusterBaseURLPathError (in .langchain: ... OpenAIModelNotFoundError too)
      x RequestRefusedError
        + UnsupportedParameterError [ValueError]
        + InvalidRequestError [ValueError]
        + InvalidToolError [ValueError]
        + ToolCallingNotSupportedError [NotImplementedError]
        + ImageInputNotSupportedError [ValueError]
      x ResponseError
        + MalformedResponseError [ValueError, openai OpenAIError]
          - EmbeddingMismatchError
          - UnsupportedContentEncodingError
        + ResponseTooLargeError [openai OpenAIError]
        + StreamInterruptedError [ConnectionError]
        + StructuredOutputError [ValueError]
          - StructuredOutputParseError [langchain_core OutputParserException] (in .langchain)
          - ResponseFormatError (a reply that does not match an explicit response_format)
        + ToolCallRequiredError [ValueError]
        + InvalidToolCallError [ValueError]
        + AdaptiveInferenceQueuedError [RuntimeError]
        + HallucinationDetectedError
      x KlusterTimeoutError [TimeoutError]
        + DeadlineExceededError [openai OpenAIError]
          - RateLimitWaitError (the deadline passed while waiting for a rate-limit slot)
        + StreamIdleTimeoutError [openai OpenAIError]
      x BatchError
        + BatchInputError [RequestRefusedError, ValueError]
        + BatchNotFoundError [LookupError]
        + BatchNotFinishedError [RuntimeError]
        + BatchTimeoutError [KlusterTimeoutError]
          - BatchStatusUnavailableError [openai OpenAIError]
        + BatchOutputError [ResponseError, ValueError]
          - BatchFileIdError (a file id that is not a plain id)
        + BatchDownloadError [ResponseError, openai APIConnectionError]
        + BatchFileTooLargeError [ResponseTooLargeError]
        + BatchItemError (one request of a batch without an answer)
          - BatchOutputLineError (its line missing, repeated or unreadable)
        + BatchResultsError (some requests of a batch failed)
      + ProbeAborted (in .probe)
    * KlusterWarning [UserWarning]
      + UnknownModelWarning
      + UnsupportedParameterWarning
      + BaseURLWarning
      + ModelListingWarning
      + UnpricedModelWarning

Example::

    try:
        sanitize_request(request, user_chosen={"response_format"}, policy="raise")
    except UnsupportedParameterError as err:
        print(err.parameters)   # ('response_format',)

    try:
        llm.invoke("Hello!")
    except KlusterTimeoutError:
        ...   # deadline or idle stream: retry later, or raise the limit
    except ResponseError:
        ...   # the answer was unusable: retry
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from openai import (
    APIConnectionError,
    AuthenticationError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
)

__all__ = [
    "APIKeyRejectedError",
    "AccessDeniedError",
    "AdaptiveInferenceQueuedError",
    "BaseURLWarning",
    "BatchDownloadError",
    "BatchError",
    "BatchFileIdError",
    "BatchFileTooLargeError",
    "BatchInputError",
    "BatchItemError",
    "BatchNotFinishedError",
    "BatchNotFoundError",
    "BatchOutputError",
    "BatchOutputLineError",
    "BatchResultsError",
    "BatchStatusUnavailableError",
    "BatchTimeoutError",
    "ConfigurationError",
    "DeadlineExceededError",
    "EmbeddingMismatchError",
    "EmptyAPIKeyError",
    "HallucinationDetectedError",
    "ImageInputNotSupportedError",
    "InvalidAPIKeyError",
    "InvalidPriceError",
    "InvalidRateLimitError",
    "InvalidReasoningModeError",
    "InvalidRequestError",
    "InvalidToolCallError",
    "InvalidToolError",
    "KlusterError",
    "KlusterTimeoutError",
    "KlusterWarning",
    "MalformedResponseError",
    "MissingAPIKeyError",
    "ModelListingWarning",
    "RateLimitWaitError",
    "RequestRefusedError",
    "ResponseError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "ServerUnreachableError",
    "StreamIdleTimeoutError",
    "StreamInterruptedError",
    "StructuredOutputError",
    "ToolCallRequiredError",
    "ToolCallingNotSupportedError",
    "UnknownModelError",
    "UnknownModelWarning",
    "UnpricedModelWarning",
    "UnsupportedContentEncodingError",
    "UnsupportedParameterError",
    "UnsupportedParameterWarning",
    "WrongBaseURLPathError",
    "WrongModelPurposeError",
]

if TYPE_CHECKING:
    import httpx


class KlusterError(Exception):
    """Base class of every error this package raises itself.

    Pickled as its class, ``args`` and attributes, so an error whose constructor takes
    other arguments than its message (``DeadlineExceededError(5.0)``) crosses process
    boundaries (multiprocessing, Celery) unchanged."""

    def __reduce__(self) -> Any:
        return (_restore_error, (type(self), self.args, self.__dict__))


def _restore_error(cls: type[BaseException], args: tuple[Any, ...], state: dict) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigurationError(KlusterError):
    """The model object cannot be made as asked (no request was made), or the server turned
    a request away for its setup (base URL, API key, model id).

    ``except ConfigurationError`` around ``ChatKluster(...)`` / ``KlusterLLM(...)`` and
    their first call."""


class RequestRefusedError(KlusterError):
    """The request was refused before sending: nothing went over the wire.

    ``except RequestRefusedError`` to report the request's problem; the message names the fix."""


class ResponseError(KlusterError):
    """An answer came back and cannot be used (malformed, mismatched, too large, cut off, or
    not the structured output or tool call asked for). Retrying may help.

    ``except ResponseError`` around a call, to retry or fall back."""


class KlusterTimeoutError(KlusterError, TimeoutError):
    """A call, a stream or a batch wait ran out of time; also a builtin ``TimeoutError``.

    ``except TimeoutError`` (or this) around a call catches the deadline, an idle stream and
    ``wait(timeout=...)`` alike."""


class BatchError(KlusterError):
    """Something about a Batch API job: its input, status, files or results.

    ``except BatchError`` around ``submit_batch`` / ``job.wait()`` / ``job.results()``."""


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


class UnpricedModelWarning(KlusterWarning):
    """No price is known for a model (or for its Batch completion window): its answers'
    ``cost_usd`` is ``None`` and ``track_cost`` counts them in ``unpriced_requests``.
    Warned once per model and window, when such answers are added up (``track_cost``, the
    adapters' cost handlers, ``KlusterBatch.cost``) or the price is asked for (``price_of``,
    a Batch estimate)."""

    def __init__(self, model: str, window: str | None = None) -> None:
        self.model = model
        self.window = window
        which = "real-time" if window is None else f"Batch {window}"
        super().__init__(
            f"No {which} price is known for {model}: its cost is reported as None, not 0. "
            "Load kluster.ai's live prices with kluster_integrations.refresh_catalog(), or "
            f"set your own with kluster_integrations.set_price({model!r}, ...)."
        )


class InvalidPriceError(ConfigurationError, ValueError):
    """A price given for a model is not a non-negative number of USD (or names a completion
    window the API does not price); nothing was changed."""

    def __init__(self, model: Any, problem: str) -> None:
        self.model = model
        self.problem = problem
        super().__init__(
            f"The price for {model!r} {problem}. Give USD per 1M tokens as non-negative "
            "numbers (None for a price you do not know), e.g. set_price(model, "
            "input_per_million=0.70, output_per_million=0.70)."
        )


class WrongModelPurposeError(ConfigurationError, ValueError):
    """A chat model where an embeddings model belongs, or the other way round."""


class MissingAPIKeyError(ConfigurationError, ValueError):
    """No API key was passed and the environment variable is unset."""

    def __init__(self, env_var: str) -> None:
        self.env_var = env_var
        super().__init__(
            f"No kluster.ai API key found. Set the {env_var} environment variable "
            f"(export {env_var}=...) or pass api_key=... . To work offline, start the "
            "bundled emulator: python -m kluster_integrations.emulator"
        )


class UnsupportedParameterError(RequestRefusedError, ValueError):
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


class ToolCallingNotSupportedError(RequestRefusedError, NotImplementedError):
    """Tool calling was requested on a model object with ``tool_calling="off"``."""

    def __init__(self, where: str, instead: str) -> None:
        super().__init__(f"{where}: {instead}")


class StructuredOutputError(ResponseError, ValueError):
    """The model's reply could not be read as JSON matching the requested schema."""

    def __init__(self, problem: str, text: str) -> None:
        self.text = text
        preview = text if len(text) <= 300 else text[:300] + "..."
        super().__init__(
            f"Structured output failed: {problem}. The model replied: {preview!r}. "
            "Try a lower temperature or a model that follows instructions more closely; "
            "the whole reply is in this error's `text`."
        )


class ResponseFormatError(StructuredOutputError):
    """The reply does not match the ``response_format`` the request asked for (kluster.ai
    has no JSON mode: the adapters put the schema in the prompt and check the reply).

    ``schema_name`` names the schema (``"json_object"`` for JSON mode), ``text`` holds
    the reply."""

    def __init__(self, schema_name: str, problem: str, text: str) -> None:
        self.schema_name = schema_name
        super().__init__(
            f"the reply does not match response_format {schema_name!r}: {problem}", text
        )


class StreamInterruptedError(ResponseError, ConnectionError):
    """A streamed reply ended before the server said it was finished."""

    def __init__(self, received_chars: int) -> None:
        self.received_chars = received_chars
        super().__init__(
            f"The kluster.ai stream ended after {received_chars} characters without a "
            "finish_reason: the answer is incomplete. Retry the request."
        )


class InvalidAPIKeyError(ConfigurationError, ValueError):
    """The API key holds characters an HTTP header cannot carry (the key is never shown)."""

    def __init__(self, env_var: str) -> None:
        self.env_var = env_var
        super().__init__(
            "The kluster.ai API key contains whitespace, control or non-ASCII characters, so it "
            "cannot be sent (it was probably pasted with a line break). Copy the key again and "
            f"pass it as api_key=... or set {env_var}."
        )


class MalformedResponseError(ResponseError, ValueError, OpenAIError):
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


class InvalidRequestError(RequestRefusedError, ValueError):
    """A request that kluster.ai would reject for its values, caught before sending."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            "Invalid kluster.ai request; nothing was sent:\n"
            + "\n".join(f"  - {p}" for p in self.problems)
        )


class InvalidRateLimitError(ConfigurationError, ValueError):
    """A rate-limit option (``requests_per_minute``, ``max_concurrent_requests``, ``tier``)
    holds a value that is no limit; ``field`` names the option."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        self.field = field
        super().__init__(
            f"{field}={_shortened.repr(value)} is not a rate limit: {field} must be {expected}."
        )


class InvalidReasoningModeError(ConfigurationError, ValueError):
    """``reasoning=`` got something other than ``"separate"``, ``"inline"`` or ``"drop"``."""

    def __init__(self, value: object) -> None:
        super().__init__(
            f"reasoning={value!r} is not an option: use 'separate' (thinking in the "
            "framework's reasoning fields), 'inline' (left in the answer text) or 'drop' "
            "(removed), or leave it unset for 'separate' on reasoning models."
        )


class ImageInputNotSupportedError(RequestRefusedError, ValueError):
    """Images were sent to a model without the vision capability (nothing was sent)."""

    def __init__(self, model: str, where: Sequence[str], vision_models: Sequence[str]) -> None:
        self.model = model
        self.where = tuple(where)
        super().__init__(
            f"{model} is a text-only model on kluster.ai, and {', '.join(where)} hold(s) an "
            "image; nothing was sent. Pick a vision model: " + ", ".join(vision_models) + "."
        )


class InvalidToolError(RequestRefusedError, ValueError):
    """A tool definition, ``tool_choice`` or ``tool_calling`` value that cannot work."""


class ToolCallRequiredError(ResponseError, ValueError):
    """``tool_choice`` demanded a tool call and the model answered without one, twice."""

    def __init__(self, model: str, text: str) -> None:
        self.text = text
        preview = text if len(text) <= 200 else text[:200] + "..."
        super().__init__(
            f"tool_choice requires a tool call, and {model} answered with text twice (the "
            f"second time after being reminded): {preview!r}. Use a tool model "
            "(tool_calling='native'), a lower temperature, or tool_choice='auto'."
        )


class InvalidToolCallError(ResponseError, ValueError):
    """A tool call written into a prompted reply whose arguments cannot be read (raised where
    the framework would otherwise call the tool with the arguments dropped: LlamaIndex)."""

    def __init__(self, model: str, tool_name: str, problem: str, text: str) -> None:
        self.tool_name = tool_name
        self.problem = problem
        self.text = text
        preview = text if len(text) <= 200 else text[:200] + "..."
        which = f"a call of {tool_name!r}" if tool_name else "a tool call"
        super().__init__(
            f"{model} answered with {which} that cannot be read ({problem}); no tool was "
            f"called. It wrote: {preview!r}. Retry the request; if it keeps happening, use a "
            "tool model (tool_calling='native') or a lower temperature, and raise "
            "max_tokens if the reply was cut off."
        )


class BatchInputError(BatchError, RequestRefusedError, ValueError):
    """What was passed to ``submit_batch`` cannot make a batch; nothing was sent."""

    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        super().__init__(f"Cannot submit this batch: {problem}. {fix} Nothing was sent.")


class BatchNotFoundError(BatchError, LookupError):
    """kluster.ai knows no batch with this id (for this API key)."""

    def __init__(self, batch_id: str) -> None:
        self.batch_id = batch_id
        super().__init__(
            f"kluster.ai has no batch {batch_id!r} for this API key. Check the id (a job "
            "spanning several batches has the ids joined by '+'), and that KLUSTER_API_KEY and "
            "KLUSTER_BASE_URL are those the job was submitted with."
        )


class BatchNotFinishedError(BatchError, RuntimeError):
    """Results were asked for while the batch is still running."""

    def __init__(self, job_id: str, status: str) -> None:
        self.job_id = job_id
        self.status = status
        super().__init__(
            f"Batch {job_id} is still {status}; its results are not ready. Call job.wait() "
            "first (or job.results(wait=True)), or look again later with "
            f"`kluster-batch status {job_id}`."
        )


class BatchTimeoutError(BatchError, KlusterTimeoutError):
    """``wait(timeout=...)`` ran out before the batch finished (the batch keeps running).

    ``status`` is the last status seen (``None`` if no status request succeeded);
    ``last_error`` names why the last status request failed, if it did."""

    def __init__(
        self, job_id: str, timeout: float, status: str | None, *, last_error: str | None = None
    ) -> None:
        self.job_id = job_id
        self.status = status
        self.last_error = last_error
        state = f"is still {status}" if status else "has no known status"
        failed = f" (the last status request failed with {last_error})" if last_error else ""
        super().__init__(
            f"Batch {job_id} {state} after waiting {timeout:g} s{failed}. It keeps running "
            "on kluster.ai: wait again, or re-attach later with get_batch("
            f"{job_id!r})."
        )


class BatchStatusUnavailableError(BatchTimeoutError, OpenAIError):
    """``wait()`` without a timeout gave up: every status request failed (rate limits,
    server errors, timeouts) for ``GIVE_UP_AFTER`` seconds. The batch may still be running.

    A ``BatchTimeoutError`` (the wait ended, the job goes on) and an ``openai.OpenAIError``
    (what such failures raised before); the last failure is its ``__cause__``."""

    def __init__(self, job_id: str, failures: int, seconds: float, last_error: str) -> None:
        self.job_id = job_id
        self.status = None
        self.last_error = last_error
        self.failures = failures
        KlusterError.__init__(
            self,
            f"Gave up waiting for batch {job_id}: its status could not be read for "
            f"{seconds:.0f} s ({failures} status requests in a row failed, the last "
            f"with {last_error}). The batch may still be running on kluster.ai: wait again "
            f"later (job.wait(timeout=...) retries until its timeout), re-attach with "
            f"get_batch({job_id!r}), or run `kluster-batch status "
            f"{job_id}`.",
        )


class BatchOutputError(BatchError, ResponseError, ValueError):
    """The batch's files cannot be mapped back to the inputs at all (the input file, or the
    batch's description of its files, is unusable), so no list is given rather than a short
    or misordered one. (A single request's bad line is its ``BatchOutputLineError``.)"""

    def __init__(self, job_id: str, problem: str, *, fix: str | None = None) -> None:
        self.job_id = job_id
        self.problem = problem
        super().__init__(
            f"The results of batch {job_id} cannot be read: {problem}. No partial or "
            "reordered list is returned. "
            + (
                fix
                or "Save the batch's files with `kluster-batch files "
                f"{job_id} --to FOLDER` to inspect them."
            )
        )


#: Shortens server-chosen text quoted in messages (an id may be megabytes long).
_shortened = reprlib.Repr()
_shortened.maxstring = _shortened.maxother = 80
_quoted = _shortened.repr


class BatchFileIdError(BatchOutputError):
    """The batch names a file with an id that is not a plain id (a path, ``..``, control
    characters, too long). Nothing is requested for it, and no file is written."""

    def __init__(self, job_id: str, field: str, file_id: object) -> None:
        self.field = field
        self.file_id = file_id
        super().__init__(
            job_id,
            f"its {field} {_quoted(file_id)} is not a plain file id (letters, digits, '-', "
            "'_' and '.', no '..', at most 255 characters)",
            fix="Nothing was downloaded or written. A server other than kluster.ai (a proxy, "
            "a wrong KLUSTER_BASE_URL) probably sent this batch; check the base URL.",
        )


class BatchDownloadError(BatchError, ResponseError, APIConnectionError):
    """A batch file's download broke off before its end on every attempt (the connection
    dropped mid-body). An ``openai.APIConnectionError``, as a call whose connection keeps
    failing is."""

    def __init__(self, what: str, attempts: int, request: httpx.Request) -> None:
        self.attempts = attempts
        APIConnectionError.__init__(
            self,
            message=f"The download of the {what} broke off before its end on all {attempts} "
            "attempts (the connection dropped mid-body), so no results were read. Try again "
            "later; the files stay on kluster.ai until the batch is deleted.",
            request=request,
        )


class BatchItemError(BatchError):
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


class BatchOutputLineError(BatchItemError):
    """A request whose result the batch's files get wrong; ``code`` says how:
    ``missing_line`` (no line answers it), ``duplicate_line`` (more than one does),
    ``unreadable_line`` (its line is not a readable result) or ``line_too_large``. The other
    requests' results are unaffected."""

    def __init__(self, custom_id: str, index: int, message: str, code: str) -> None:
        super().__init__(custom_id, index, message, code=code)
        self.args = (
            f"{self.args[0]}. The other requests' results are unaffected: "
            "results(return_exceptions=True) and iter_results() return them, with this "
            "error in this request's place.",
        )


class BatchResultsError(BatchError):
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


class AdaptiveInferenceQueuedError(ResponseError, RuntimeError):
    """kluster.ai queued the call for adaptive inference and answered with a placeholder."""

    def __init__(self) -> None:
        super().__init__(
            "kluster.ai queued this request for adaptive inference (metadata "
            "{'@kluster.ai': {'async': True}}) and answered with a placeholder, not an answer. "
            "The result will appear as a batch job: list them with `kluster-batch list` and "
            "collect it with `kluster-batch results BATCH_ID`. To "
            "get answers back in your program, use submit_batch(...) instead."
        )


class HallucinationDetectedError(ResponseError):
    """kluster.ai Verify found a hallucination in an answer checked with
    ``on_hallucination="raise"`` (LangChain's ``KlusterVerify``, LlamaIndex's
    ``KlusterVerifyEvaluator(raise_error=True)``); ``result`` holds the whole verdict
    (``VerifyResult``: explanation, search results, usage)."""

    def __init__(self, result: Any) -> None:
        self.result = result
        explanation = " ".join(str(getattr(result, "explanation", "")).split())
        preview = explanation if len(explanation) <= 300 else explanation[:300] + "..."
        super().__init__(
            "kluster.ai Verify found a hallucination in the answer"
            + (f": {preview!r}" if preview else "")
            + ". The whole verdict is in this error's `result`. Generate the answer again, "
            "give the model better context, or pass on_hallucination='annotate' to let the "
            "answer through marked."
        )


class EmbeddingMismatchError(MalformedResponseError):
    """The embeddings answer does not fit the inputs: a vector missing, repeated or extra,
    or vectors of the wrong dimension. Using it would attach vectors to the wrong texts."""


class UnsupportedContentEncodingError(MalformedResponseError):
    """An answer came compressed in a way this client cannot decode within
    ``max_response_bytes``: an unknown ``Content-Encoding``, ``zstd`` or ``br`` without the
    package that decodes it in bounded pieces, or too many encodings stacked.

    ``encoding`` is the one refused (for too long a chain, the whole header)."""

    def __init__(self, encoding: str, why: str, fix: str, *, status: int) -> None:
        super().__init__(
            f"it is compressed with Content-Encoding {encoding!r}, {why}",
            status=status,
            fix=fix,
        )
        self.encoding = encoding


class ResponseTooLargeError(ResponseError, OpenAIError):
    """An answer (or one line of a stream) grew past the response-size cap while read."""

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        super().__init__(
            f"The kluster.ai answer's {what} exceeded {limit:,} bytes (after decompression), "
            "so reading stopped. Raise max_response_bytes=... if such answers are expected; "
            "otherwise check that the base URL points at the kluster.ai API."
        )


class BatchFileTooLargeError(ResponseTooLargeError, BatchError):
    """A batch file grew past ``KlusterBatch.max_file_bytes`` while downloading."""

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        KlusterError.__init__(
            self,
            f"The {what} grew past {limit:,} bytes while downloading, so the download "
            "stopped. If such files are expected, raise the job's max_file_bytes "
            "(job.max_file_bytes = ...); otherwise check that the base URL points at the "
            "kluster.ai API.",
        )


class DeadlineExceededError(KlusterTimeoutError, OpenAIError):
    """The call (all its attempts, and a stream's whole duration) ran past ``deadline``."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        super().__init__(
            f"The kluster.ai call did not finish within its deadline of {deadline:g} seconds "
            "(all attempts included). Raise deadline=... for long answers, or stream them."
        )


class RateLimitWaitError(DeadlineExceededError):
    """The call's ``deadline`` passed while its request waited for a slot of the account's
    rate limit (``core.rate_limits``); nothing was sent for that attempt."""

    def __init__(self, deadline: float, model: str | None, limits: str) -> None:
        self.deadline = deadline
        self.model = model
        self.limits = limits
        where = f"model {model}" if model else "requests without a model"
        KlusterError.__init__(
            self,
            f"The kluster.ai call reached its deadline of {deadline:g} seconds while waiting "
            f"for the account's rate limit ({limits} for {where}); nothing was sent. Raise "
            "deadline=..., send fewer requests at once, or raise the limits if the account "
            "allows more (requests_per_minute=, max_concurrent_requests=, tier=).",
        )


class StreamIdleTimeoutError(KlusterTimeoutError, OpenAIError):
    """A stream completed no data event for ``stream_idle_timeout`` seconds (comments, other
    fields and the bytes of an unfinished event do not count)."""

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


class ServerUnreachableError(ConfigurationError, APIConnectionError):
    """No connection could be made to the base URL (refused, or its host name does not
    resolve). An ``openai.APIConnectionError``, as the SDK raised it; the message names the
    URL, where it came from and, for this machine, the command that starts the emulator.

    ``base_url`` is the URL, ``source`` where it came from (``None`` when unknown)."""

    def __init__(
        self, base_url: str, source: str | None, reason: str, fix: str, request: httpx.Request
    ) -> None:
        self.base_url = base_url
        self.source = source
        where = f" ({source})" if source else ""
        APIConnectionError.__init__(
            self,
            message=f"Could not connect to the kluster.ai base URL {base_url}{where}: {reason}. "
            + fix,
            request=request,
        )


class APIKeyRejectedError(ConfigurationError, AuthenticationError):
    """The server answered 401: it does not take the API key. An
    ``openai.AuthenticationError``; the message names where the key came from, the key masked.

    ``key_hint`` is the masked key, ``source`` where it came from (``None`` when unknown)."""

    def __init__(
        self, key_hint: str, source: str | None, detail: str, *, response: httpx.Response, body: Any
    ) -> None:
        self.key_hint = key_hint
        self.source = source
        where = source or "given to the client"
        AuthenticationError.__init__(
            self,
            f"The server refused the API key {key_hint} ({where}) with HTTP 401{detail}. "
            "Copy the key again from your kluster.ai account and set it with "
            "export KLUSTER_API_KEY=... or pass api_key=...; a key for another server (the "
            "emulator started with --api-key, OpenAI) does not work here.",
            response=response,
            body=body,
        )


class AccessDeniedError(ConfigurationError, PermissionDeniedError):
    """The server answered 403: the API key is known but may not do this. An
    ``openai.PermissionDeniedError``; the message names where the key came from, masked."""

    def __init__(
        self, key_hint: str, source: str | None, detail: str, *, response: httpx.Response, body: Any
    ) -> None:
        self.key_hint = key_hint
        self.source = source
        where = source or "given to the client"
        PermissionDeniedError.__init__(
            self,
            f"The server denied this request to the API key {key_hint} ({where}) with HTTP "
            f"403{detail}. The key is valid but may not use this model or endpoint: check its "
            "permissions and your plan on kluster.ai, or use another key (KLUSTER_API_KEY or "
            "api_key=...).",
            response=response,
            body=body,
        )


class UnknownModelError(ConfigurationError, NotFoundError):
    """The server answered 404 for the model id: it serves no such model (for this key). An
    ``openai.NotFoundError``; ``suggestions`` holds the closest ids of the model catalog."""

    def __init__(
        self,
        model: str,
        suggestions: Sequence[str],
        detail: str,
        *,
        response: httpx.Response,
        body: Any,
    ) -> None:
        self.model = model
        self.suggestions = tuple(suggestions)
        if self.suggestions:
            hint = "Did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        else:
            hint = (
                "The package's catalog lists the ids it knows (kluster_integrations.KNOWN_MODELS)."
            )
        NotFoundError.__init__(
            self,
            f"kluster.ai has no model {_quoted(model)} (HTTP 404{detail}). {hint} "
            "kluster.ai's own list: kluster_integrations.core.models.fetch_models(client).",
            response=response,
            body=body,
        )


class WrongBaseURLPathError(ConfigurationError, NotFoundError):
    """The server answered 404 to a base URL whose path does not end in ``/v1``: the path is
    wrong, not the model. An ``openai.NotFoundError``."""

    def __init__(
        self,
        base_url: str,
        source: str | None,
        suggested: str,
        detail: str,
        *,
        response: httpx.Response,
        body: Any,
    ) -> None:
        self.base_url = base_url
        self.source = source
        where = f" ({source})" if source else ""
        NotFoundError.__init__(
            self,
            f"The server has nothing at {response.request.url.path} (HTTP 404{detail}): the "
            f"base URL {base_url}{where} does not end in /v1, so the path is wrong, not the "
            f"model. Use {suggested}.",
            response=response,
            body=body,
        )
