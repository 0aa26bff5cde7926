"""Separate a reasoning model's thinking from its answer, whole or while it streams.

kluster.ai's reasoning models (``deepseek-ai/DeepSeek-R1-0528``, ``Qwen/Qwen3-235B-A22B-FP8``,
``mistralai/Magistral-Small-2506``) write their thinking as ``<think>...</think>`` at the start
of ``content``; OpenAI-compatible servers may instead send it in a ``reasoning_content`` (or
``reasoning``) field. ``ReasoningSplitter`` takes content pieces as they arrive and returns
each piece's reasoning and answer text, never a partial tag: text that might be the start of
a tag is held back until the next piece (or ``finish()``) decides it.

The rules, for every input (``R`` is the reasoning, ``A`` the answer):

- ``<think>R</think>A``: reasoning ``R`` verbatim, answer ``A`` without the whitespace that
  follows ``</think>``; whitespace before ``<think>`` is dropped too. Nothing else is lost:
  ``splitter.prefix + "<think>" + R + "</think>" + splitter.gap + A`` is the original.
- Only a *leading* block is reasoning. A ``<think>`` later in the reply, a second block, and
  a ``</think>`` with no opening tag are answer text, kept as they are.
- No nesting: the first ``</think>`` ends the block, so ``<think>a<think>b</think>c</think>``
  gives reasoning ``a<think>b`` and answer ``c</think>``.
- An unclosed block (the stream or the token budget ended inside it) is all reasoning and
  the answer is empty (``splitter.closed`` is False); so is a reply that is only thinking.
- An empty block (``<think></think>A``) gives reasoning ``""`` and answer ``A``.
- A ``reasoning_content`` / ``reasoning`` field is reasoning, reported before the content's.

Example::

    >>> split_reasoning("<think>2 + 2 is 4.</think>\\n\\nFour.")
    Split(reasoning='2 + 2 is 4.', answer='Four.')
    >>> splitter = ReasoningSplitter()
    >>> [splitter.feed(piece) for piece in ("<thi", "nk>step</th", "ink>The")]
    [Split(reasoning='', answer=''), Split(reasoning='step', answer=''), \
Split(reasoning='', answer='The')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple, get_args

from kluster_integrations.core.contract import REASONING_FIELDS, THINK_CLOSE_TAG, THINK_OPEN_TAG
from kluster_integrations.core.errors import InvalidReasoningModeError
from kluster_integrations.core.models import model_info
from kluster_integrations.core.transport import pydantic_extra

#: The tags of a reasoning block (contract data).
OPEN_TAG, CLOSE_TAG = THINK_OPEN_TAG, THINK_CLOSE_TAG

#: Where the thinking goes: the framework's reasoning fields, left in the answer, or away.
ReasoningMode = Literal["separate", "inline", "drop"]
REASONING_MODES: tuple[str, ...] = get_args(ReasoningMode)


class Split(NamedTuple):
    """The reasoning and the answer text in one piece of a reply (either may be empty)."""

    reasoning: str
    answer: str


_NOTHING = Split("", "")
_START, _THINK, _GAP, _ANSWER = range(4)


class ReasoningSplitter:
    """Splits one reply, fed piece by piece; one splitter per reply (not thread-safe).

    ``feed(content, reasoning)`` returns what can be told apart so far; ``finish()``
    returns what was held back (call it when the reply ends). ``found`` says a leading
    block (or a reasoning field) was seen, ``closed`` that the block was closed.
    """

    __slots__ = ("_gap", "_held", "_lead", "_state", "closed", "found", "prefix")

    def __init__(self) -> None:
        self._state = _START
        self._held = ""  # a possible partial tag, at most a tag's length
        self._lead: list[str] = []  # whitespace before the opening tag, in pieces
        self._gap: list[str] = []  # whitespace after the closing tag, in pieces
        self.prefix = ""
        self.found = False
        self.closed = False

    @property
    def gap(self) -> str:
        """The whitespace between ``</think>`` and the answer."""
        return "".join(self._gap)

    def feed(self, content: str | None, reasoning: str | None = None) -> Split:
        """Reasoning and answer text in ``content`` (and a reasoning field's ``reasoning``)."""
        if self._state == _ANSWER and not reasoning:
            return Split("", content) if content else _NOTHING
        split = self._content(content) if content else _NOTHING
        if reasoning:
            self.found = True
            return Split(reasoning + split.reasoning, split.answer)
        return split

    def finish(self) -> Split:
        """Text held back because it might have been the start of a tag."""
        held, self._held = "".join(self._lead) + self._held, ""
        state, self._state, self._lead = self._state, _ANSWER, []
        if not held:
            return _NOTHING
        return Split(held, "") if state == _THINK else Split("", held)

    def _content(self, text: str) -> Split:
        state = self._state
        if state == _ANSWER:
            return Split("", text)
        if state == _START:
            if self._held:  # a partial tag: what follows it is not leading whitespace
                text, self._held = self._held + text, ""
            else:
                stripped = text.lstrip()
                self._lead.append(text[: len(text) - len(stripped)])
                text = stripped
                if not text:
                    return _NOTHING
            if text.startswith(OPEN_TAG):
                self.prefix, self._lead = "".join(self._lead), []
                self.found = True
                self._state = _THINK
                return self._think(text[len(OPEN_TAG) :])
            if OPEN_TAG.startswith(text):
                self._held = text
                return _NOTHING
            lead, self._lead = "".join(self._lead), []
            self._state = _ANSWER
            return Split("", lead + text)
        if state == _THINK:
            return self._think(text)
        return Split("", self._skip_gap(text))

    def _think(self, text: str) -> Split:
        if self._held:
            text = self._held + text
            self._held = ""
        end = text.find(CLOSE_TAG)
        if end >= 0:
            self.closed = True
            self._state = _GAP
            return Split(text[:end], self._skip_gap(text[end + len(CLOSE_TAG) :]))
        keep = _partial_tag_length(text, CLOSE_TAG)
        if keep:
            self._held = text[-keep:]
            return Split(text[:-keep], "")
        return Split(text, "")

    def _skip_gap(self, text: str) -> str:
        answer = text.lstrip()
        self._gap.append(text[: len(text) - len(answer)])
        if answer:
            self._state = _ANSWER
        return answer


def _partial_tag_length(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that is a proper start of ``tag``.

    Tags hold one ``<``, at their start, so only the last ``<`` can begin such an end.
    """
    start = text.rfind("<", max(0, len(text) - len(tag) + 1))
    if start < 0:
        return 0
    return len(text) - start if tag.startswith(text[start:]) else 0


def split_reasoning(content: str | None, reasoning: str | None = None) -> Split:
    """Split a whole reply (``reasoning`` is a ``reasoning_content`` field, if any)."""
    splitter = ReasoningSplitter()
    first = splitter.feed(content, reasoning)
    rest = splitter.finish()
    if not rest.reasoning and not rest.answer:
        return first
    return Split(first.reasoning + rest.reasoning, first.answer + rest.answer)


def answer_start(text: str) -> int:
    """Where the answer starts in a whole reply, by the rules above: just after a leading
    ``<think>...</think>`` block (the first closing tag ends it), ``len(text)`` when the
    block is not closed, else 0. ``text[answer_start(text):].lstrip()`` is the answer
    ``split_reasoning`` gives; prompted tools and structured output read only that part.

    >>> text = "<think>add them</think> 4"
    >>> text[answer_start(text):]
    ' 4'
    """
    start = len(text) - len(text.lstrip())
    if not text.startswith(OPEN_TAG, start):
        return 0
    end = text.find(CLOSE_TAG, start + len(OPEN_TAG))
    return end + len(CLOSE_TAG) if end >= 0 else len(text)


def reasoning_field(message: Any) -> str | None:
    """The reasoning a response message or delta carries in a field (dict or SDK object)."""
    if isinstance(message, dict):
        fields: Mapping[str, Any] = message
    else:
        # openai SDK objects keep fields they do not declare in pydantic's extra dict;
        # reading the dicts is several times faster than getattr on a missing name.
        extra = pydantic_extra(message) or {}
        declared = getattr(message, "__dict__", None)
        if declared is None:
            fields = {name: getattr(message, name, None) for name in REASONING_FIELDS}
        else:
            fields = {**declared, **extra} if extra else declared
    for name in REASONING_FIELDS:
        value = fields.get(name)
        if isinstance(value, str):
            return value
    return None


def resolve_reasoning_mode(model_id: str, requested: str | None) -> ReasoningMode:
    """The mode to use: ``requested``, else ``"separate"`` for models the catalog flags as
    reasoning and for ids it does not know (a leading ``<think>`` block decides), else
    ``"inline"`` (known models that do not reason keep their text untouched).

    >>> resolve_reasoning_mode("deepseek-ai/DeepSeek-R1-0528", None)
    'separate'
    >>> resolve_reasoning_mode("klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", None)
    'inline'
    """
    if requested is None:
        info = model_info(model_id)
        return "inline" if info is not None and not info.supports("reasoning") else "separate"
    if requested not in REASONING_MODES:
        raise InvalidReasoningModeError(requested)
    return requested  # type: ignore[return-value]


def check_reasoning_mode(value: object) -> None:
    """Raise ``InvalidReasoningModeError`` unless ``value`` is ``None`` or a mode."""
    if value is not None and value not in REASONING_MODES:
        raise InvalidReasoningModeError(value)


def with_reasoning(answer: str, reasoning: str) -> str:
    """The reply as the model wrote it: ``<think>reasoning</think>answer``."""
    return f"{OPEN_TAG}{reasoning}{CLOSE_TAG}{answer}"


def strip_history_reasoning(messages: Sequence[Any]) -> list[Any]:
    """Assistant turns without their thinking, as kluster.ai should get them back.

    A leading ``<think>`` block goes from string content (and from the first text part
    of list content), ``reasoning_content`` / ``reasoning`` fields go too; other messages
    are returned as they are, and changed ones are new dicts.
    """
    out = list(messages)
    for index, message in enumerate(out):
        if not isinstance(message, dict | Mapping) or message.get("role") != "assistant":
            continue
        content = message.get("content")
        stripped = _strip_content(content)
        has_field = any(name in message for name in REASONING_FIELDS)
        if stripped is content and not has_field:
            continue
        cleaned = {k: v for k, v in message.items() if k not in REASONING_FIELDS}
        cleaned["content"] = stripped
        out[index] = cleaned
    return out


def _strip_content(content: Any) -> Any:
    if isinstance(content, str):
        if OPEN_TAG not in content:
            return content
        splitter = ReasoningSplitter()
        answer = splitter.feed(content).answer + splitter.finish().answer
        return answer if splitter.found else content
    if isinstance(content, list) and content:
        first = content[0]
        if isinstance(first, Mapping) and first.get("type") == "text":
            text = first.get("text")
            stripped = _strip_content(text)
            if stripped is not text:
                return [{**first, "text": stripped}, *content[1:]]
    return content
