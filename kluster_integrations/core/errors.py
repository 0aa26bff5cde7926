"""Typed errors and warnings raised by kluster-integrations before or instead of a request.

Every error names the problem and the fix. Errors that come back from the server keep the
openai SDK's own types (``openai.BadRequestError``, ``openai.RateLimitError``, ...).

The hierarchy (other bases in brackets, so ``except ValueError`` keeps working)::

    * KlusterError
      + MissingAPIKeyError [ValueError]
      + InvalidAPIKeyError [ValueError]
      + UnsupportedParameterError [ValueError]
      + InvalidRequestError [ValueError]
      + WrongModelPurposeError [ValueError]
      + ToolCallingNotSupportedError [NotImplementedError]
      + InvalidToolError [ValueError]
      + ToolCallRequiredError [ValueError]
      + ImageInputNotSupportedError [ValueError]
      + StructuredOutputError [ValueError]
        - StructuredOutputParseError [langchain_core OutputParserException] (in .langchain)
      + StreamInterruptedError [ConnectionError]
      + MalformedResponseError [ValueError]
      + InvalidReasoningModeError [ValueError]
      + ProbeAborted (in .probe)
    * KlusterWarning [UserWarning]
      + UnknownModelWarning
      + UnsupportedParameterWarning

Example::

    try:
        sanitize_request(request, explicit={"response_format"}, policy="raise")
    except UnsupportedParameterError as err:
        print(err.parameters)   # ('response_format',)
"""

from __future__ import annotations

from collections.abc import Sequence


class KlusterError(Exception):
    """Base class of every error this package raises itself."""


class KlusterWarning(UserWarning):
    """Base class of every warning this package emits."""


class UnknownModelWarning(KlusterWarning):
    """The model id is not in the catalog; conservative limits are assumed."""


class UnsupportedParameterWarning(KlusterWarning):
    """A parameter the user set was dropped because kluster.ai rejects it."""


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


class MalformedResponseError(KlusterError, ValueError):
    """The server answered with a body that is not valid JSON (the cause is chained)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"The server at the kluster.ai base URL answered with a body that is not valid JSON "
            f"({detail}), so there is no answer to read. Retry the request; if it keeps "
            "happening, check that KLUSTER_BASE_URL points at the kluster.ai API (a proxy or "
            "login page answers with HTML)."
        )


class InvalidRequestError(KlusterError, ValueError):
    """A request that kluster.ai would reject for its values, caught before sending."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("Invalid kluster.ai request; nothing was sent:\n" + "\n".join(
            f"  - {p}" for p in self.problems))


class InvalidReasoningModeError(KlusterError, ValueError):
    """``reasoning=`` got something other than ``"separate"``, ``"inline"`` or ``"drop"``."""

    def __init__(self, value: object) -> None:
        super().__init__(
            f"reasoning={value!r} is not an option: use 'separate' (thinking in the "
            "framework's reasoning fields), 'inline' (left in the answer text) or 'drop' "
            "(removed), or leave it unset for 'separate' on reasoning models.")


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
