"""Chat request values that cannot be sent or that kluster.ai refuses, named by place.

``message_input_problems`` finds text with lone surrogates anywhere in the messages (the
HTTP layer would raise a bare ``UnicodeEncodeError``) and content parts of a type the chat
API does not have (``core.contract.CONTENT_PART_TYPES``); ``stop_problems`` finds more
``stop`` strings than the API takes (``MAX_STOP_SEQUENCES``). ``validation.request_problems``
includes them, so the adapters raise ``InvalidRequestError`` before sending and the emulator
answers 400.

Example::

    >>> message_input_problems([{"role": "user", "content": [{"type": "hologram"}]}])
    ["`messages[0].content[0].type` is 'hologram'; kluster.ai takes image_url, text parts."]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kluster_integrations.core.contract import CONTENT_PART_TYPES, MAX_STOP_SEQUENCES
from kluster_integrations.core.request._text import lone_surrogate_problem


def message_input_problems(messages: Any, first_index: int = 0) -> list[str]:
    """Problems with the text and parts of ``messages`` (a list; anything else has none
    here), each named by its place counting from ``first_index``."""
    problems: list[str] = []
    if isinstance(messages, list | tuple):
        for i, message in enumerate(messages, start=first_index):
            if isinstance(message, dict | Mapping) and not _is_plainly_sendable(message):
                problems.extend(_part_problems(message.get("content"), f"messages[{i}]"))
                for place, text in _strings(message, f"messages[{i}]"):
                    problem = lone_surrogate_problem(text)
                    if problem:
                        problems.append(f"`{place}` {problem}")
    return problems


def stop_problems(stop: Any) -> list[str]:
    """Problems with ``stop``: too many strings, or one that cannot be sent."""
    problems: list[str] = []
    if isinstance(stop, list | tuple) and len(stop) > MAX_STOP_SEQUENCES:
        problems.append(
            f"`stop` has {len(stop)} strings; kluster.ai takes at most "
            f"{MAX_STOP_SEQUENCES}: keep the ones that matter."
        )
    elif isinstance(stop, str) and lone_surrogate_problem(stop):
        problems.append(f"`stop` {lone_surrogate_problem(stop)}")
    return problems


def _is_plainly_sendable(message: Mapping[str, Any]) -> bool:
    """True for the common message whose values are all text without lone surrogates (or
    ``None``): nothing in it can be a problem, so nothing needs to be named."""
    for value in message.values():
        if value is not None and not (
            isinstance(value, str) and (value.isascii() or lone_surrogate_problem(value) is None)
        ):
            return False
    return True


def _part_problems(content: Any, place: str) -> list[str]:
    if not isinstance(content, list | tuple):
        return []
    known = ", ".join(sorted(CONTENT_PART_TYPES))
    return [
        f"`{place}.content[{j}].type` is {part.get('type')!r}; kluster.ai takes {known} parts."
        for j, part in enumerate(content)
        if isinstance(part, Mapping) and part.get("type") not in CONTENT_PART_TYPES
    ]


def _strings(value: Any, place: str) -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` with its place (``messages[0].content[1].text``)."""
    if isinstance(value, str):
        yield place, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{place}.{key}")
    elif isinstance(value, list | tuple):
        for j, item in enumerate(value):
            yield from _strings(item, f"{place}[{j}]")
