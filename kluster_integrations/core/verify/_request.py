"""A Verify request as kluster.ai takes it, or a typed error before anything is sent.

``verify_body`` builds the body of ``POST /v1/verify/reliability`` in one of its two forms
(``core.contract``: ``VERIFY_PROMPT_FORM``, ``VERIFY_MESSAGES_FORM``) and raises
``InvalidRequestError`` naming every problem; ``verify_request_problems`` lists them for any
body (the emulator answers 400 with the same list). Messages carry ``role`` and ``content``
only, and no field outside the chosen form is sent.

A request longer than the check's context window (``VERIFY_CONTEXT_WINDOW``, or the live
model list's figure for ``VERIFY_MODEL``) is refused by estimate: ``CHARS_PER_TOKEN``
characters a token, which is close for English text and low for most other scripts, so only
requests that are too long in any tokenizer are refused.

Example::

    >>> verify_body("Capital of France?", "Paris.", context="Paris is the capital of France.")
    {'prompt': 'Capital of France?', 'output': 'Paris.', 'context': 'Paris is the capital of France.'}
    >>> verify_request_problems({"prompt": "Hi", "output": " "})
    ['`output` is empty: Verify checks an answer (`output`) to a question or instruction (`prompt`); give both as text.']
"""  # noqa: E501

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from kluster_integrations.core.contract import (
    VERIFY_ANSWER_ROLE,
    VERIFY_CONTEXT_WINDOW,
    VERIFY_MESSAGE_ROLES,
    VERIFY_MESSAGES_FORM,
    VERIFY_MIN_MESSAGES,
    VERIFY_MODEL,
    VERIFY_PROMPT_FORM,
    VERIFY_REQUIRED_FIELDS,
    VERIFY_TRIAL_CONTEXT_WINDOW,
)
from kluster_integrations.core.errors import InvalidRequestError
from kluster_integrations.core.models import lookup_model
from kluster_integrations.core.request import lone_surrogate_problem

#: Characters per token for the length estimate (not a kluster.ai fact: a rule of thumb for
#: English text with the tokenizers of its models).
CHARS_PER_TOKEN = 4

_MESSAGE_FIELDS = ("role", "content")


def verify_body(
    prompt: str | None = None,
    output: str | None = None,
    *,
    context: str | None = None,
    messages: Sequence[Mapping[str, Any]] | None = None,
    return_search_results: bool = False,
    context_window: int | None = None,
) -> dict[str, Any]:
    """The body of one Verify request: ``prompt`` and ``output`` (with ``context`` and
    ``return_search_results`` when given), or ``messages`` alone. Raises
    ``InvalidRequestError`` for anything kluster.ai would refuse; nothing is sent then."""
    if messages is not None:
        extra = [
            name
            for name, value in (
                ("prompt", prompt),
                ("output", output),
                ("context", context),
                ("return_search_results", return_search_results or None),
            )
            if value is not None
        ]
        if extra:
            raise InvalidRequestError(
                [
                    f"{', '.join(f'`{name}`' for name in extra)} cannot go with `messages`: "
                    "Verify takes either `prompt` and `output` (with `context` and "
                    "`return_search_results`) or a conversation in `messages` alone."
                ]
            )
        body: dict[str, Any] = {"messages": _message_dicts(messages)}
    else:
        body = {"prompt": prompt, "output": output}
        if context is not None:
            body["context"] = context
        if return_search_results not in (False, None):
            body["return_search_results"] = return_search_results
    problems = verify_request_problems(body, context_window)
    if problems:
        raise InvalidRequestError(problems)
    return body


def _message_dicts(messages: Any) -> Any:
    """Each message as ``{"role", "content"}`` (other fields are not sent); anything that is
    not a list of mappings is kept, for ``verify_request_problems`` to name."""
    if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
        return messages
    return [
        {name: message.get(name) for name in _MESSAGE_FIELDS}
        if isinstance(message, Mapping)
        else message
        for message in messages
    ]


def verify_request_problems(body: Any, context_window: int | None = None) -> list[str]:
    """Every reason kluster.ai would refuse ``body`` as a Verify request; empty when it can
    be sent. ``context_window`` defaults to the catalog's figure for ``VERIFY_MODEL``."""
    if not isinstance(body, Mapping):
        return ["The body must be a JSON object."]
    if "messages" in body:
        problems = [
            f"`{name}` cannot go with `messages`: the messages form takes `messages` alone."
            for name in body
            if name not in VERIFY_MESSAGES_FORM
        ]
        problems += _messages_problems(body["messages"])
    else:
        if all(body.get(name) is None for name in VERIFY_REQUIRED_FIELDS):
            return [
                "Nothing to check: give `prompt` and `output` (the question and the answer "
                "to check, with `context` for the documents it must agree with), or a "
                "conversation in `messages` ending with the answer."
            ]
        known = ", ".join(VERIFY_PROMPT_FORM)
        problems = [
            f"`{name}` is not a Verify field; the prompt form takes {known}."
            for name in body
            if name not in VERIFY_PROMPT_FORM
        ]
        for name in VERIFY_REQUIRED_FIELDS:
            problems += _text_problems(name, body.get(name))
        if "context" in body:
            problems += _text_problems("context", body["context"])
        flag = body.get("return_search_results", False)
        if not isinstance(flag, bool):
            problems.append(f"`return_search_results` must be true or false, not {flag!r}.")
    if not problems:
        problems += _length_problems(body, context_window)
    return problems


def _text_problems(name: str, value: Any) -> list[str]:
    if not isinstance(value, str):
        shown = "missing" if value is None else f"a {type(value).__name__}"
        return [f"`{name}` must be text, not {shown}."]
    if not value.strip():
        if name == "context":
            return [
                "`context` is empty: Verify would check the answer against nothing. Give "
                "the documents the answer must agree with, or leave `context` out to check "
                "against general knowledge and a web search."
            ]
        return [
            f"`{name}` is empty: Verify checks an answer (`output`) to a question or "
            "instruction (`prompt`); give both as text."
        ]
    problem = lone_surrogate_problem(value)
    return [f"`{name}` {problem}"] if problem else []


def _messages_problems(messages: Any) -> list[str]:
    if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
        return ["`messages` must be a list of chat messages with `role` and `content`."]
    if len(messages) < VERIFY_MIN_MESSAGES:
        return [
            f"`messages` holds {len(messages)} message(s); Verify needs at least "
            f"{VERIFY_MIN_MESSAGES}: the conversation, then the assistant's answer to check."
        ]
    roles = ", ".join(VERIFY_MESSAGE_ROLES)
    problems = []
    for index, message in enumerate(messages):
        place = f"messages[{index}]"
        if not isinstance(message, Mapping):
            problems.append(f"`{place}` must be an object with `role` and `content`.")
            continue
        problems += [
            f"`{place}.{name}` is not taken: a checked message has `role` and `content` only."
            for name in message
            if name not in _MESSAGE_FIELDS
        ]
        role = message.get("role")
        if role not in VERIFY_MESSAGE_ROLES:
            problems.append(f"`{place}.role` is {role!r}; Verify takes {roles} messages.")
        content = message.get("content")
        if not isinstance(content, str):
            problems.append(f"`{place}.content` must be text.")
        elif lone_surrogate_problem(content):
            problems.append(f"`{place}.content` {lone_surrogate_problem(content)}")
    last = messages[-1]
    if isinstance(last, Mapping) and last.get("role") in VERIFY_MESSAGE_ROLES:
        if last.get("role") != VERIFY_ANSWER_ROLE:
            problems.append(
                f"The last message is a {last.get('role')} message; it must be the answer to "
                f"check (role `{VERIFY_ANSWER_ROLE}`)."
            )
        elif isinstance(last.get("content"), str) and not last["content"].strip():
            problems.append("The last message, the answer to check, is empty.")
    return problems


def _length_problems(body: Mapping[str, Any], context_window: int | None) -> list[str]:
    if "messages" in body:
        chars = sum(len(message["content"]) for message in body["messages"])
    else:
        chars = sum(len(body[name]) for name in ("prompt", "output", "context") if name in body)
    window = context_window or _catalog_window()
    tokens = math.ceil(chars / CHARS_PER_TOKEN)
    if tokens <= window:
        return []
    where = "`context`" if "context" in body else "the text"
    return [
        f"The request is about {tokens:,} tokens ({chars:,} characters at about "
        f"{CHARS_PER_TOKEN} a token), over the {window:,}-token context window of "
        f"kluster.ai's reliability check ({VERIFY_TRIAL_CONTEXT_WINDOW:,} on the Trial tier): "
        f"shorten {where}, e.g. pass fewer or shorter documents."
    ]


def _catalog_window() -> int:
    info = lookup_model(VERIFY_MODEL)
    return info.context_window if info is not None else VERIFY_CONTEXT_WINDOW
