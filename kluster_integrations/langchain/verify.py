"""``KlusterVerify``: kluster.ai Verify as a LangChain Runnable, and a guard for chains.

It takes ``{"prompt", "output", "context"?}`` (``context`` text or retrieved
``Document``s, ``output`` text or the chain's ``AIMessage``) or a conversation ending with
the AI answer, and sends one check through ``core.verify`` (the connection, retries and
typed errors of ``ChatKluster``). Without ``on_hallucination`` it returns the
``VerifyResult``; ``"annotate"`` returns the checked ``AIMessage`` with the verdict in
``response_metadata["kluster_verify"]``; ``"raise"`` does the same for a supported answer
and raises ``HallucinationDetectedError`` (carrying the result) for a hallucinated one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.documents import Document
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import (
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
)
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr

from kluster_integrations.core.errors import HallucinationDetectedError, InvalidRequestError
from kluster_integrations.core.verify import VerifyClient, VerifyResult

__all__ = ["METADATA_KEY", "KlusterVerify"]

#: Where ``"annotate"`` and ``"raise"`` put the verdict in the ``AIMessage``.
METADATA_KEY = "kluster_verify"

_ROLES: tuple[tuple[type[BaseMessage], str], ...] = (
    (SystemMessage, "system"),
    (HumanMessage, "user"),
    (AIMessage, "assistant"),
)
_MODES = (None, "raise", "annotate")


@dataclass(frozen=True)
class _Check:
    """One input read: the arguments of ``VerifyClient.verify``, and the answer checked."""

    arguments: dict[str, Any]
    answer: AIMessage


class KlusterVerify(RunnableSerializable[Any, Any]):
    """kluster.ai Verify for LangChain: is an answer supported by its documents?

    Input: a dict with `prompt` (the question), `output` (the answer: text or an
    `AIMessage`) and optionally `context` (text, a `Document` or a list of them; without
    it the answer is checked against general knowledge and a web search), or a list of
    messages (system, human, AI) ending with the AI answer. `invoke`, `ainvoke`, `batch`,
    `abatch` and `stream` (one item) work as on every Runnable.

    Output: the `VerifyResult` (`is_hallucination`, `explanation`, `search_results`,
    `usage`); with `on_hallucination="annotate"` the checked `AIMessage` with the verdict in
    `response_metadata["kluster_verify"]`; with `on_hallucination="raise"` the same, or
    `HallucinationDetectedError` (its `result` holds the verdict) for a hallucinated answer.

    Args: `on_hallucination` (`None`, `"raise"`, `"annotate"`), `return_search_results`,
    `api_key` (else `$KLUSTER_API_KEY`), `base_url` (else `$KLUSTER_BASE_URL`), `timeout`,
    `max_retries`, `deadline`, `max_response_bytes` (as on `ChatKluster`).

    Example:
        ```python
        from langchain_core.documents import Document

        from kluster_integrations.langchain import ChatKluster, KlusterVerify

        verify = KlusterVerify()
        result = verify.invoke(
            {
                "prompt": "How many requests per minute does the Trial tier allow?",
                "output": "The Trial tier allows 60 requests per minute.",
                "context": [Document(page_content="The Trial tier allows 30 requests a minute.")],
            }
        )
        print(result.is_hallucination, result.explanation)

        guarded = ChatKluster() | KlusterVerify(on_hallucination="annotate")
        ```
    """

    on_hallucination: Literal["raise", "annotate"] | None = None
    """``None``: return the ``VerifyResult``; ``"annotate"``: the checked ``AIMessage``
    with the verdict in its metadata; ``"raise"``: that, or ``HallucinationDetectedError``."""
    return_search_results: bool = False
    """Ask for the sources a check without context consulted (``result.search_results``)."""
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    """The kluster.ai API key (default ``$KLUSTER_API_KEY``); never shown or serialized."""
    base_url: str | None = None
    """The API's URL (default ``$KLUSTER_BASE_URL``, else ``https://api.kluster.ai/v1``)."""
    timeout: float | None = None
    """Seconds per attempt (``None``: the package default, 300)."""
    max_retries: int | None = None
    """Retries on rate limits and server errors (``None``: the package default, 2)."""
    deadline: float | None = None
    """Seconds a whole check may take, retries included (``None``: 600)."""
    max_response_bytes: int | None = None
    """Cap on an answer's decoded size (``None``: 64 MB)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    _verifier: VerifyClient = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("on_hallucination") not in _MODES:
            raise InvalidRequestError(
                [
                    f"on_hallucination={kwargs['on_hallucination']!r} is not an option: use "
                    "'raise' (HallucinationDetectedError for a hallucinated answer), "
                    "'annotate' (the AIMessage with the verdict in its response_metadata), "
                    "or leave it unset to get the VerifyResult."
                ]
            )
        super().__init__(**kwargs)
        self._verifier = VerifyClient(
            api_key=self.api_key.get_secret_value() if self.api_key else None,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
            deadline=self.deadline,
            max_response_bytes=self.max_response_bytes,
        )

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Check one answer (see the class docstring for the input and output)."""
        config = ensure_config(config)
        run = get_callback_manager_for_config(config).on_chain_start(
            None, input, name=config.get("run_name") or self.get_name(), run_id=config.get("run_id")
        )
        try:
            check = _check_of(input)
            result = self._verifier.verify(
                **check.arguments, return_search_results=self.return_search_results
            )
            output = self._outcome(check, result)
        except BaseException as error:
            run.on_chain_error(error)
            raise
        run.on_chain_end(output)
        return output

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """The async form of ``invoke``."""
        config = ensure_config(config)
        run = await get_async_callback_manager_for_config(config).on_chain_start(
            None, input, name=config.get("run_name") or self.get_name(), run_id=config.get("run_id")
        )
        try:
            check = _check_of(input)
            result = await self._verifier.averify(
                **check.arguments, return_search_results=self.return_search_results
            )
            output = self._outcome(check, result)
        except BaseException as error:
            await run.on_chain_error(error)
            raise
        await run.on_chain_end(output)
        return output

    def _outcome(self, check: _Check, result: VerifyResult) -> Any:
        if self.on_hallucination is None:
            return result
        if self.on_hallucination == "raise" and result.is_hallucination:
            raise HallucinationDetectedError(result)
        metadata = {**check.answer.response_metadata, METADATA_KEY: result.to_dict()}
        return check.answer.model_copy(update={"response_metadata": metadata})


def _check_of(value: Any) -> _Check:
    """The check ``value`` asks for; ``InvalidRequestError`` for an input of another shape."""
    if isinstance(value, PromptValue):
        value = value.to_messages()
    if isinstance(value, Mapping):
        output = value.get("output")
        answer = output if isinstance(output, AIMessage) else AIMessage(content=_text(output))
        arguments = {
            "prompt": _text(value.get("prompt")),
            "output": _text(output),
            "context": _context(value.get("context")),
        }
        return _Check(arguments, answer)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes) and value:
        messages = [_message_dict(index, message) for index, message in enumerate(value)]
        last = value[-1]
        answer = last if isinstance(last, AIMessage) else AIMessage(content=_text(last))
        return _Check({"messages": messages}, answer)
    raise InvalidRequestError(
        [
            f"KlusterVerify got {type(value).__name__}; it takes a dict with `prompt`, "
            "`output` and optionally `context`, or a list of messages ending with the AI "
            "answer to check."
        ]
    )


def _text(value: Any) -> Any:
    """A message's text; anything else as it is (the core names what is not text)."""
    return value.text if isinstance(value, BaseMessage) else value


def _context(value: Any) -> Any:
    """Retrieved documents (or texts) as one text, one document per paragraph."""
    if isinstance(value, Document):
        return value.page_content
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        texts = [item.page_content if isinstance(item, Document) else item for item in value]
        if all(isinstance(text, str) for text in texts):
            return "\n\n".join(texts)
    return value


def _message_dict(index: int, message: Any) -> dict[str, Any]:
    for kind, role in _ROLES:
        if isinstance(message, kind):
            return {"role": role, "content": message.text}
    raise InvalidRequestError(
        [
            f"message {index} is {type(message).__name__}; Verify checks conversations of "
            "system, human and AI messages (a LangChain message each), the last one the AI "
            "answer."
        ]
    )
