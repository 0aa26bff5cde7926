"""Typed errors raised by kluster-integrations before or instead of a request.

Every error names the problem and the fix. Errors that come back from the server keep the
openai SDK's own types (``openai.BadRequestError``, ``openai.RateLimitError``, ...).

Example::

    try:
        sanitize_request(request, explicit={"response_format"}, policy="raise")
    except UnsupportedParameterError as err:
        print(err.parameters)   # ('response_format',)
"""

from __future__ import annotations

from collections.abc import Sequence

from openai import OpenAIError


class KlusterError(Exception):
    """Base class of every error this package raises itself."""


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

    def __init__(self, problems: dict[str, str], *,
                 remedy: str = "Remove them, or turn strict mode off to have them dropped "
                               "with a warning.") -> None:
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
    """Native (API-side) tool calling was requested."""

    def __init__(self, where: str, instead: str) -> None:
        super().__init__(
            f"{where}: kluster.ai's chat API does not accept `tools` or `tool_choice`, so "
            f"native tool calling cannot work. {instead}"
        )


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

    def __init__(self, detail: str, *, status: int | None = None,
                 content_type: str | None = None, excerpt: str | None = None,
                 fix: str | None = None) -> None:
        self.detail = detail
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        answer = ", ".join(part for part in (
            f"HTTP {status}" if status is not None else "",
            f"content type {content_type!r}" if content_type else "",
            f"starting {excerpt!r}" if excerpt else "") if part)
        super().__init__(
            f"The server at the kluster.ai base URL sent an answer that cannot be used: "
            f"{detail}{f' ({answer})' if answer else ''}. " + (fix or (
                "Retry the request; if it keeps happening, check that KLUSTER_BASE_URL "
                "points at the kluster.ai API (a proxy or login page answers with HTML).")))


class InvalidRequestError(KlusterError, ValueError):
    """A request that kluster.ai would reject for its values, caught before sending."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("Invalid kluster.ai request; nothing was sent:\n" + "\n".join(
            f"  - {p}" for p in self.problems))


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
            "otherwise check that the base URL points at the kluster.ai API.")


class DeadlineExceededError(KlusterError, OpenAIError):
    """The call (all its attempts, and a stream's whole duration) ran past ``deadline``.

    Not a ``TimeoutError``: framework code that waits with ``asyncio.wait_for`` would take
    it for its own timeout and replace it."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        super().__init__(
            f"The kluster.ai call did not finish within its deadline of {deadline:g} seconds "
            "(all attempts included). Raise deadline=... for long answers, or stream them.")


class StreamIdleTimeoutError(KlusterError, OpenAIError):
    """A stream sent no data event for ``stream_idle_timeout`` seconds (keep-alive comments
    and a line dripped byte by byte do not count)."""

    def __init__(self, idle_timeout: float) -> None:
        self.idle_timeout = idle_timeout
        super().__init__(
            f"The kluster.ai stream sent no data for {idle_timeout:g} seconds (only keep-alive "
            "comments or a stalled line), so it was stopped; the answer is incomplete. Retry, "
            "or raise stream_idle_timeout=... .")


class EmptyAPIKeyError(MissingAPIKeyError):
    """``api_key=""`` was passed: an explicit empty key is a mistake, not a request to fall
    back to the environment."""

    def __init__(self, env_var: str) -> None:
        self.env_var = env_var
        KlusterError.__init__(
            self, f"api_key is empty. Pass the key itself, or leave api_key out to use "
            f"${env_var} (export {env_var}=...).")
