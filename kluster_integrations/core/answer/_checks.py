"""Is a parsed answer a usable chat completion or stream chunk? ``MalformedResponseError``
if not.

The openai SDK builds its response objects without validating them, so a JSON body of
``[1, 2, 3]``, ``null``, or a completion without ``choices`` reaches the frameworks, which
fail with ``ValueError``, ``AttributeError``, ``TypeError`` or ``IndexError``. The adapters
check each answer with these functions first. Answers may be openai SDK objects or dicts.

Example::

    >>> check_chat_completion({"choices": []})
    Traceback (most recent call last):
    ...
    kluster_integrations.core.errors.MalformedResponseError: ...
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kluster_integrations.core.errors import MalformedResponseError
from kluster_integrations.core.transport import masked_excerpt

_NOT_AN_OBJECT = object()
_ABSENT = object()


_NOT_OBJECTS = (str, bytes, int, float, list, tuple)


def _field(answer: Any, name: str) -> Any:
    if isinstance(answer, dict):
        return answer.get(name)
    value = getattr(answer, name, _ABSENT)  # an SDK object, the common case
    if value is not _ABSENT:
        return value
    if answer is None or isinstance(answer, _NOT_OBJECTS):
        return _NOT_AN_OBJECT
    if isinstance(answer, Mapping):
        return answer.get(name)
    return None


def _malformed(detail: str, answer: Any) -> MalformedResponseError:
    try:
        excerpt = json.dumps(
            answer.model_dump(exclude_unset=True) if hasattr(answer, "model_dump") else answer
        )
    except (TypeError, ValueError):
        excerpt = repr(answer)
    return MalformedResponseError(
        detail, status=200, content_type="application/json", excerpt=masked_excerpt(excerpt)
    )


def check_chat_completion(answer: Any) -> None:
    """Raise ``MalformedResponseError`` unless ``answer`` has a first choice with a message."""
    choices = _field(answer, "choices")
    if choices is _NOT_AN_OBJECT:
        raise _malformed("the JSON answer is not a chat completion object", answer)
    if not choices or not isinstance(choices, list | tuple):
        raise _malformed("the chat completion has no choices", answer)
    message = _field(choices[0], "message")
    if message is None or message is _NOT_AN_OBJECT:
        raise _malformed("the chat completion's first choice has no message", answer)


def check_chat_chunk(chunk: Any) -> None:
    """Raise ``MalformedResponseError`` unless ``chunk`` is an object with a ``choices`` list
    (an empty list is fine: the last chunk may carry only usage)."""
    choices = _field(chunk, "choices")
    if choices is _NOT_AN_OBJECT:
        raise _malformed("a stream event is not a chat completion chunk object", chunk)
    if not isinstance(choices, list | tuple):
        raise _malformed("a stream chunk has no choices list", chunk)
