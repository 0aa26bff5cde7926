"""Turn an OpenAI chat-completions request into one kluster.ai accepts.

``sanitize_request`` takes the keyword arguments the openai SDK's
``client.chat.completions.create(**request)`` would get (``extra_body`` included) and
returns a new request plus the list of changes. It never mutates its input: the request
and every message are new dicts (nested values such as content parts are shared, so treat
the result as read-only). Messages may be dicts or openai SDK objects, in any iterable.

What happens to a parameter kluster.ai rejects depends on who asked for it:

- parameters the framework injected on its own are dropped silently;
- parameters named in ``explicit`` (the user set them) follow ``policy``: ``"drop"``,
  ``"warn"`` (an ``UnsupportedParameterWarning``) or ``"raise"`` (strict mode: one
  ``UnsupportedParameterError`` listing all of them, before anything is sent).

Renames (``max_tokens`` -> ``max_completion_tokens``) and history rewrites keep the
request's meaning, so they never warn or raise.

Example::

    >>> result = sanitize_request({"model": "m", "messages": [], "max_tokens": 5, "n": 1})
    >>> result.request
    {'model': 'm', 'messages': [], 'max_completion_tokens': 5}
    >>> [str(c) for c in result.changes][0]
    'n: dropped (kluster.ai returns one choice per request.)'
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kluster_integrations.core.changes import Change
from kluster_integrations.core.contract import RENAMED_PARAMETERS, UNSUPPORTED_PARAMETERS
from kluster_integrations.core.errors import UnsupportedParameterError
from kluster_integrations.core.errors import (  # re-exported: it used to live here
    UnsupportedParameterWarning as UnsupportedParameterWarning,
)
from kluster_integrations.core.history import as_plain_dict, needs_rewrite, rewrite_messages

Policy = Literal["drop", "warn", "raise"]
POLICIES: tuple[Policy, ...] = ("drop", "warn", "raise")

_FORBIDDEN_KEYS = frozenset(UNSUPPORTED_PARAMETERS) | frozenset(RENAMED_PARAMETERS)


@dataclass(frozen=True)
class SanitizedRequest:
    """The cleaned request and what was changed on the way.

    ``refused`` names the parameters the user set that kluster.ai refuses (what the policy
    acted on), e.g. ``("response_format", "extra_body.n")``.
    """

    request: dict[str, Any]
    changes: tuple[Change, ...]
    refused: tuple[str, ...] = ()

    @property
    def dropped(self) -> tuple[str, ...]:
        return tuple(c.location for c in self.changes if c.action == "dropped")


def sanitize_request(
    request: Mapping[str, Any],
    *,
    explicit: Collection[str] = (),
    policy: Policy = "warn",
) -> SanitizedRequest:
    """Return ``request`` cleaned for kluster.ai; see the module docstring."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, not {policy!r}")
    out = dict(request)
    changes: list[Change] = []
    refused: dict[str, str] = {}

    if not _FORBIDDEN_KEYS.isdisjoint(out):
        _clean_parameters(out, "", explicit, changes, refused, also_set=())

    extra = out.get("extra_body")
    if isinstance(extra, Mapping) and not _FORBIDDEN_KEYS.isdisjoint(extra):
        extra = dict(extra)
        _clean_parameters(extra, "extra_body.", explicit, changes, refused, also_set=out)
        out["extra_body"] = extra

    if refused and policy == "raise":
        raise UnsupportedParameterError(refused)

    messages = out.get("messages")
    if isinstance(messages, Iterable) and not isinstance(messages, str | bytes | Mapping):
        listed = [as_plain_dict(m) for m in messages]
        if any(isinstance(m, dict) and needs_rewrite(m) for m in listed):
            listed, message_changes = rewrite_messages(listed)
            changes.extend(message_changes)
        out["messages"] = listed

    if refused and policy == "warn":
        for name, fix in refused.items():
            warnings.warn(
                f"kluster.ai does not accept `{name}`; it was dropped from the request. {fix}",
                UnsupportedParameterWarning,
                stacklevel=_callers_level(),
            )
    return SanitizedRequest(out, tuple(changes), tuple(refused))


def _clean_parameters(
    params: dict[str, Any],
    prefix: str,
    explicit: Collection[str],
    changes: list[Change],
    refused: dict[str, str],
    also_set: Collection[str],
) -> None:
    for name in [key for key in params if key in UNSUPPORTED_PARAMETERS]:
        rule = UNSUPPORTED_PARAMETERS[name]
        value = params.pop(name)
        changes.append(Change(prefix + name, "dropped", rule.reason))
        if name in explicit and not _is_neutral(value, rule.neutral):
            refused[prefix + name] = f"{rule.reason} {rule.fix}"
    for name in [key for key in params if key in RENAMED_PARAMETERS]:
        rename = RENAMED_PARAMETERS[name]
        value = params.pop(name)
        if rename.replacement in params or rename.replacement in also_set or value is None:
            changes.append(Change(prefix + name, "dropped",
                                  f"{rename.reason} `{rename.replacement}` is already set."))
        else:
            params[rename.replacement] = value
            changes.append(Change(prefix + name, "renamed", rename.reason))


def _is_neutral(value: Any, neutral: tuple[Any, ...]) -> bool:
    return any(
        value is n or (isinstance(value, bool) == isinstance(n, bool) and value == n)
        for n in neutral
    )


#: Frames from these packages are skipped, so a warning points at the user's own line.
_LIBRARY_PREFIXES = ("kluster_integrations", "langchain", "llama_index", "openai", "pydantic",
                     "asyncio", "concurrent", "threading", "contextvars", "functools",
                     "tenacity", "workflows", "httpx")


def _callers_level() -> int:
    """The ``stacklevel`` of the first frame outside the libraries (counted from the
    ``warnings.warn`` call inside ``sanitize_request``)."""
    frame = sys._getframe(2)
    level = 2
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(_LIBRARY_PREFIXES):
            return level
        frame = frame.f_back
        level += 1
    return 2
