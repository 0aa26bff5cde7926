"""Values kluster.ai would refuse, found before a request is sent.

``request_problems`` lists what is wrong with a (sanitized) chat request's values: no
messages, a message without a known role, a token limit that is not a positive integer or
is above what the model can produce, a temperature out of range. The adapters raise
``InvalidRequestError`` with the list; the emulator answers 400 with it.

Example::

    >>> request_problems({"model": "m", "messages": []})
    ['`messages` is empty: send at least one message.']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kluster_integrations.core.contract import MESSAGE_ROLES, TEMPERATURE_RANGE
from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.core.models import model_info
from kluster_integrations.core.request._input_checks import message_input_problems, stop_problems

_TOKEN_LIMITS = ("max_completion_tokens", "max_tokens")


def request_problems(request: Mapping[str, Any]) -> list[str]:
    """Human-readable problems with the request's values; empty when it looks sendable."""
    problems: list[str] = []
    model = request.get("model")
    if not isinstance(model, str) or not model.strip():
        problems.append("`model` must be a non-empty string naming a kluster.ai model.")
    problems.extend(message_problems(request.get("messages")))
    problems.extend(stop_problems(request.get("stop")))
    for name in _TOKEN_LIMITS:
        if request.get(name) is not None:
            info = model_info(model) if isinstance(model, str) else None
            problems.extend(_token_limit_problems(name, request[name], info))
    temperature = request.get("temperature")
    low, high = TEMPERATURE_RANGE
    if temperature is not None and (
        isinstance(temperature, bool)
        or not isinstance(temperature, int | float)
        or not low <= temperature <= high
    ):
        problems.append(
            f"`temperature` must be a number from {low:g} to {high:g}, not {temperature!r}."
        )
    return problems


def check_request(request: Mapping[str, Any]) -> None:
    """Raise ``InvalidRequestError`` when ``request_problems`` finds anything."""
    problems = request_problems(request)
    if problems:
        raise InvalidRequestError(problems)


def message_problems(messages: Any, first_index: int = 0) -> list[str]:
    """Problems with ``messages`` alone: not a list, empty, a message that is not an object
    or has no known role, bad content parts or text; places count from ``first_index``
    (a request whose first messages were checked already)."""
    return _role_problems(messages, first_index) + message_input_problems(messages, first_index)


def _role_problems(messages: Any, first_index: int) -> list[str]:
    if not isinstance(messages, list | tuple):
        return [f"`messages` must be a list of message objects, not {type(messages).__name__}."]
    if not messages and not first_index:
        return ["`messages` is empty: send at least one message."]
    problems = []
    for i, message in enumerate(messages, start=first_index):
        if not isinstance(message, dict | Mapping):
            problems.append(f"`messages[{i}]` must be an object with `role` and `content`.")
        elif message.get("role") not in MESSAGE_ROLES:
            problems.append(
                f"`messages[{i}].role` is {message.get('role')!r}; use one of "
                f"{', '.join(sorted(MESSAGE_ROLES))}."
            )
    return problems


def _token_limit_problems(name: str, value: Any, info: Any) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return [f"`{name}` must be a positive integer, not {value!r}."]
    if info is not None and info.is_chat and value > info.max_output_tokens:
        return [
            f"`{name}`={value} is above what {info.id} can produce "
            f"({info.max_output_tokens} tokens); lower it."
        ]
    return []
