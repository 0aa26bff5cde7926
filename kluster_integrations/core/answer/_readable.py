"""Make sure a whole (non-streamed) answer could be read, or say clearly that it could not.

The openai SDK parses response bodies with ``json.loads`` and lets its ``ValueError`` escape
when the body is not JSON (``json.JSONDecodeError``) or holds an integer longer than Python
reads from text (4,300 digits). ``readable_response`` turns a ``json.JSONDecodeError``
into ``MalformedResponseError`` (with the decoding error chained); the adapters wrap their
requests with it. Works around ``await`` too. ``parsed_answer`` reads a raw response
(``with_raw_response``) and turns any ``ValueError`` of reading it into
``MalformedResponseError``.

Example::

    with readable_response():
        completion = client.chat.completions.create(model=..., messages=...)
    completion = parsed_answer(client.chat.completions.with_raw_response.create(...), to=...)
"""

from __future__ import annotations

import json
from typing import Any

from kluster_integrations.core.errors import MalformedResponseError
from kluster_integrations.core.transport import call_scope, masked_excerpt


class readable_response(call_scope):
    """Raise ``MalformedResponseError`` instead of the SDK's raw ``json.JSONDecodeError``;
    also marks where the call starts, for its deadline (``core.transport.call_scope``)."""

    __slots__ = ()

    def __exit__(self, *exc_info: object) -> None:
        super().__exit__(*exc_info)
        err = exc_info[1]
        if isinstance(err, json.JSONDecodeError):
            raise unreadable_answer(err) from err


def parsed_answer(raw: Any, to: Any) -> Any:
    """``raw.parse(to=to)``: the answer of the raw response ``raw``, read and built; raises
    ``MalformedResponseError`` when its JSON cannot be read."""
    try:
        return raw.parse(to=to)
    except MalformedResponseError:
        raise
    except ValueError as err:  # not JSON, or an integer longer than Python reads
        raise unreadable_answer(err) from err


def unreadable_answer(err: ValueError) -> MalformedResponseError:
    """The ``MalformedResponseError`` for an answer whose JSON failed to read with ``err``
    (to be raised ``from err``)."""
    if isinstance(err, json.JSONDecodeError):
        return MalformedResponseError(
            f"the body is not valid JSON ({err.msg} at line {err.lineno} column {err.colno})",
            excerpt=masked_excerpt(err.doc) or None,
        )
    return MalformedResponseError(
        f"its JSON cannot be read ({err})",
        fix="Check that KLUSTER_BASE_URL points at the kluster.ai API, which sends no such "
        "JSON; sending the request again gets the same answer.",
    )
