"""The emulator's refusals: what kluster.ai answers 400 to, read from the core contract.

Example::

    >>> contract_violations({"model": "m", "messages": [], "tools": []})
    [('tools', 'kluster.ai takes tool definitions only on its tool models.')]
    >>> refusal_message([("tools", "No tools."), ("tool_choice", "No tools."), ("n", "One.")])
    'Unsupported parameter(s): tools, tool_choice (No tools.); n (One.)'

What a model may receive depends on its capabilities (``core.models``): tool models
take ``tools`` and tool-call history, vision models take images.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kluster_integrations.core.contract import (
    EMBEDDING_ENCODINGS,
    IMAGE_CAPABILITY,
    NATIVE_TOOL_RESULT_ROLES,
    RENAMED_PARAMETERS,
    TOOL_PARAMETERS,
    TOOL_RESULT_ROLES,
    UNSUPPORTED_EMBEDDING_PARAMETERS,
    forbidden_message_fields,
    refused_parameters,
)
from kluster_integrations.core.models import capabilities_of, image_locations, vision_models


def contract_violations(
    body: Mapping[str, Any], capabilities: frozenset[str] | None = None
) -> list[tuple[str, str]]:
    """``(param, reason)`` for every parameter or message field the contract refuses for the
    request's model (or a model with ``capabilities``).

    A key counts when present at all, even with a null value: the emulator is stricter
    than the real API may be, so that a request it accepts is safe to send.
    """
    caps = capabilities_of(body.get("model")) if capabilities is None else capabilities
    found = [(name, rule.reason) for name, rule in refused_parameters(caps).items() if name in body]
    if "tools" in caps:
        found += [
            (name, f"`{name}` needs a non-empty `tools` list.")
            for name in TOOL_PARAMETERS
            if name in body and not body.get("tools")
        ]
    found += [(name, rule.reason) for name, rule in RENAMED_PARAMETERS.items() if name in body]
    if IMAGE_CAPABILITY not in caps:
        found += [
            (
                where,
                f"{body.get('model')} takes no images; vision models: "
                f"{', '.join(vision_models())}.",
            )
            for where in image_locations(body.get("messages"))
        ]
    result_roles = (
        TOOL_RESULT_ROLES - NATIVE_TOOL_RESULT_ROLES if "tools" in caps else TOOL_RESULT_ROLES
    )
    messages = body.get("messages")
    if isinstance(messages, list):
        for i, message in enumerate(messages):
            if not isinstance(message, Mapping):
                continue
            role = message.get("role")
            found += [
                (f"messages[{i}].{field}", f"`{field}` is not accepted on {role} messages.")
                for field in forbidden_message_fields(str(role), caps)
                if field in message
            ]
            if role in result_roles:
                found.append(
                    (
                        f"messages[{i}].role",
                        f"a `{role}` message must answer an "
                        "assistant tool call, and kluster.ai takes no tool calls.",
                    )
                )
    return found


def refusal_message(violations: list[tuple[str, str]]) -> str:
    """The 400 message for ``violations``: each refused field named once, each reason
    given once, after the fields it covers (several tool parameters share one reason)."""
    by_reason: dict[str, dict[str, None]] = {}
    for name, reason in violations:
        by_reason.setdefault(reason, {})[name] = None
    groups = (f"{', '.join(names)} ({reason})" for reason, names in by_reason.items())
    return "Unsupported parameter(s): " + "; ".join(groups)


def embedding_violations(body: Mapping[str, Any], max_inputs: int) -> list[tuple[str, str]]:
    """``(param, reason)`` for what the embeddings endpoint refuses."""
    found = [
        (name, rule.reason)
        for name, rule in UNSUPPORTED_EMBEDDING_PARAMETERS.items()
        if name in body
    ]
    inputs = body.get("input")
    items = inputs if isinstance(inputs, list) else [inputs]
    if not items or not all(isinstance(item, str) for item in items):
        # bge-m3 tokenizes text itself; token ids from another vocabulary mean nothing to it.
        found.append(("input", "`input` must be a string or a list of strings."))
    elif len(items) > max_inputs:
        found.append(("input", f"at most {max_inputs} inputs per request, got {len(items)}."))
    if body.get("encoding_format", "float") not in EMBEDDING_ENCODINGS:
        found.append(
            (
                "encoding_format",
                f"`encoding_format` must be one of {', '.join(EMBEDDING_ENCODINGS)}.",
            )
        )
    return found
