"""Turn an OpenAI chat-completions request into one kluster.ai accepts.

``sanitize_request`` takes the keyword arguments the openai SDK's
``client.chat.completions.create(**request)`` would get (``extra_body`` included) and
returns a new request plus the list of changes. It never mutates its input: the request
and every message are new dicts (nested values such as content parts are shared, so treat
the result as read-only). Messages may be dicts or openai SDK objects, in any iterable.

What happens to a parameter kluster.ai rejects depends on who asked for it:

- parameters the framework injected on its own are dropped silently;
- parameters named in ``user_chosen`` (the user set them) follow ``policy``: ``"drop"``,
  ``"warn"`` (an ``UnsupportedParameterWarning``) or ``"raise"`` (strict mode: one
  ``UnsupportedParameterError`` listing all of them, before anything is sent).

Renames (``max_tokens`` -> ``max_completion_tokens``) and history rewrites keep the
request's meaning, so they never warn or raise.

What is refused depends on the request's model (``core.models.capabilities_of``, or
the ``capabilities`` argument): a tool model keeps ``tools``, ``tool_choice``,
``parallel_tool_calls`` and tool-call history; images sent to a model without ``vision``
raise ``ImageInputNotSupportedError`` whatever the policy.

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
from types import FrameType
from typing import Any, Literal

from kluster_integrations.core.contract import (
    RENAMED_PARAMETERS,
    UNSUPPORTED_PARAMETERS,
    refused_parameters,
)
from kluster_integrations.core.errors import UnsupportedParameterError
from kluster_integrations.core.errors import (  # re-exported: it used to live here
    UnsupportedParameterWarning as UnsupportedParameterWarning,
)
from kluster_integrations.core.models import capabilities_of, check_images
from kluster_integrations.core.request._changes import Change
from kluster_integrations.core.request._history import (
    any_needs_rewrite,
    as_plain_dict,
    rewrite_messages,
)

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
    user_chosen: Collection[str] = (),
    policy: Policy = "warn",
    capabilities: frozenset[str] | None = None,
) -> SanitizedRequest:
    """Return ``request`` cleaned for kluster.ai; see the module docstring.

    ``capabilities`` overrides what the catalog says about the request's model.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, not {policy!r}")
    out = dict(request)
    changes: list[Change] = []
    refused: dict[str, str] = {}
    caps = capabilities_of(out.get("model")) if capabilities is None else capabilities

    extra = out.get("extra_body")
    if not _FORBIDDEN_KEYS.isdisjoint(out):
        _clean_parameters(
            out,
            "",
            user_chosen,
            changes,
            refused,
            also_set=(),
            rules=refused_parameters(caps) if caps else UNSUPPORTED_PARAMETERS,
            present=_merged(out, extra),
        )

    if extra is not None and isinstance(extra, Mapping) and not _FORBIDDEN_KEYS.isdisjoint(extra):
        extra = dict(extra)
        _clean_parameters(
            extra,
            "extra_body.",
            user_chosen,
            changes,
            refused,
            also_set=out,
            rules=refused_parameters(caps) if caps else UNSUPPORTED_PARAMETERS,
            present=_merged(out, extra),
        )
        out["extra_body"] = extra

    if refused and policy == "raise":
        raise UnsupportedParameterError(refused)

    messages = out.get("messages")
    if type(messages) is list or (
        isinstance(messages, Iterable) and not isinstance(messages, str | bytes | Mapping)
    ):
        out["messages"] = sanitize_messages(messages, caps, changes)
        check_images(out, caps)

    if refused and policy == "warn":
        for name, fix in refused.items():
            warnings.warn(
                f"kluster.ai does not accept `{name}`; it was dropped from the request. {fix}",
                UnsupportedParameterWarning,
                stacklevel=_callers_level(),
            )
    return SanitizedRequest(out, tuple(changes), tuple(refused))


def sanitize_messages(
    messages: Iterable[Any], capabilities: frozenset[str], changes: list[Change]
) -> list[Any]:
    """``messages`` as new plain dicts, the history rewritten where kluster.ai would refuse
    it (on a model with ``capabilities``); what was rewritten is added to ``changes``."""
    listed = [as_plain_dict(m) for m in messages]
    if any_needs_rewrite(listed, capabilities):
        listed, rewritten = rewrite_messages(listed, capabilities)
        changes.extend(rewritten)
    return listed


def _clean_parameters(
    params: dict[str, Any],
    prefix: str,
    user_chosen: Collection[str],
    changes: list[Change],
    refused: dict[str, str],
    also_set: Collection[str],
    rules: Mapping[str, Any] = UNSUPPORTED_PARAMETERS,
    present: Mapping[str, Any] | None = None,
) -> None:
    for name in [key for key in params if key in UNSUPPORTED_PARAMETERS]:
        rule = UNSUPPORTED_PARAMETERS[name]
        reason = rule.reason
        if name not in rules:  # a capability of the model lifts the rule
            satisfied = rule.needs is None or bool((present or {}).get(rule.needs))
            if satisfied and (name != "tools" or params[name]):
                continue
            reason = (
                f"`{name}` means nothing without `{rule.needs}`."
                if rule.needs
                else "An empty `tools` list means no tools."
            )
        value = params.pop(name)
        changes.append(Change(prefix + name, "dropped", reason))
        if name in user_chosen and not _is_neutral(value, rule.neutral):
            refused[prefix + name] = f"{reason} {rule.fix}"
    for name in [key for key in params if key in RENAMED_PARAMETERS]:
        rename = RENAMED_PARAMETERS[name]
        value = params.pop(name)
        if rename.replacement in params or rename.replacement in also_set or value is None:
            changes.append(
                Change(
                    prefix + name,
                    "dropped",
                    f"{rename.reason} `{rename.replacement}` is already set.",
                )
            )
        else:
            params[rename.replacement] = value
            changes.append(Change(prefix + name, "renamed", rename.reason))


def _merged(out: Mapping[str, Any], extra: Any) -> Mapping[str, Any]:
    return {**out, **extra} if isinstance(extra, Mapping) else out


def _is_neutral(value: Any, neutral: tuple[Any, ...]) -> bool:
    return any(
        value is n or (isinstance(value, bool) == isinstance(n, bool) and value == n)
        for n in neutral
    )


#: Frames from these packages are skipped, so a warning points at the user's own line.
_LIBRARY_PREFIXES = (
    "kluster_integrations",
    "langchain",
    "llama_index",
    "openai",
    "pydantic",
    "asyncio",
    "concurrent",
    "threading",
    "contextvars",
    "functools",
    "tenacity",
    "workflows",
    "httpx",
)


def _callers_level() -> int:
    """The ``stacklevel`` of the first frame outside the libraries (counted from the
    ``warnings.warn`` call inside ``sanitize_request``)."""
    frame: FrameType | None = sys._getframe(2)
    level = 2
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(_LIBRARY_PREFIXES):
            return level
        frame = frame.f_back
        level += 1
    return 2
