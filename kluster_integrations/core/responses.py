"""Make sure a whole (non-streamed) answer could be read, or say clearly that it could not.

The openai SDK parses response bodies with ``json.loads`` and lets ``json.JSONDecodeError``
escape when the body is not JSON. ``readable_response`` turns that into
``MalformedResponseError`` (with the decoding error chained); the adapters wrap their
requests with it. Works around ``await`` too.

Example::

    with readable_response():
        completion = client.chat.completions.create(model=..., messages=...)
"""

from __future__ import annotations

import json

from kluster_integrations.core.errors import MalformedResponseError
from kluster_integrations.core.guards import call_scope, masked_excerpt


class readable_response(call_scope):
    """Raise ``MalformedResponseError`` instead of the SDK's raw ``json.JSONDecodeError``;
    also marks where the call starts, for its deadline (``core.guards.call_scope``)."""

    __slots__ = ()

    def __exit__(self, *exc_info: object) -> None:
        super().__exit__(*exc_info)
        err = exc_info[1]
        if isinstance(err, json.JSONDecodeError):
            raise MalformedResponseError(
                f"the body is not valid JSON ({err.msg} at line {err.lineno} column {err.colno})",
                excerpt=masked_excerpt(err.doc) or None,
            ) from err
