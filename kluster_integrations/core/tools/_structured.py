"""Structured output without ``response_format``: the schema goes in the prompt.

kluster.ai has no JSON mode, so the adapters ask for JSON in words and read it back:
``schema_instruction`` writes the system prompt, ``extract_json`` finds the JSON value in
the reply (code fences and surrounding prose are tolerated). Validation against a
Pydantic model stays with the caller, who knows the model.

Example::

    >>> prompt = schema_instruction({"type": "object", "properties": {"x": {"type": "number"}}})
    >>> extract_json('Sure! ```json\\n{"x": 3}\\n``` Hope that helps.')
    {'x': 3}
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from kluster_integrations.core.errors import StructuredOutputError
from kluster_integrations.core.reasoning import answer_start
from kluster_integrations.core.tools._json_extent import JsonExtent

#: The emulator looks for this heading to find the schema and answer with matching JSON.
SCHEMA_HEADING = "JSON schema of the answer:"

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_VALUE_START = re.compile(r"[\[{]")


def schema_instruction(schema: Mapping[str, Any]) -> str:
    """A system-prompt paragraph that asks for one JSON value matching ``schema`` (its
    properties in the order it declares them)."""
    return (
        "Answer with a single JSON value and nothing else: no prose, no code fence. "
        "It must validate against the JSON schema below; use exactly the property names "
        "it gives and include every required property.\n"
        f"{SCHEMA_HEADING}\n```json\n{json.dumps(schema)}\n```"
    )


def find_schema(text: str) -> dict[str, Any] | None:
    """The schema a ``schema_instruction`` carries, or ``None`` (used by the emulator)."""
    at = text.find(SCHEMA_HEADING)
    if at < 0:
        return None
    match = _FENCE.search(text, at)
    if not match:
        return None
    try:
        schema = json.loads(match.group(1))
    except json.JSONDecodeError:
        return None
    return schema if isinstance(schema, dict) else None


def extract_json(text: str) -> Any:
    """The first JSON object or array in ``text``; raises ``StructuredOutputError``.

    Looks inside code fences first, then at the whole text, then at the first ``{`` or
    ``[`` that starts a complete JSON value. A reasoning model's leading ``<think>`` block
    is skipped (``core.reasoning.answer_start``, the one rule for it).
    """
    body = text[answer_start(text) :]
    candidates = [m.group(1) for m in _FENCE.finditer(body)] + [body]
    for candidate in candidates:
        candidate = candidate.strip()
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
            pass
        found = _first_json_value(candidate)
        if found is not None:
            return found
    raise StructuredOutputError("no JSON object found in the reply", text)


def _first_json_value(text: str) -> Any:
    """The first complete JSON object or array in ``text``, in one forward pass: each
    candidate's extent is found by ``JsonExtent`` (bounded nesting) and the search goes on
    from where it showed it is not JSON, or past a balanced span that does not decode. An
    opening that never closes ends the search (model output is hostile: no re-scans)."""
    at = 0
    while (match := _VALUE_START.search(text, at)) is not None:
        start = match.start()
        extent = JsonExtent(strict=True)
        end = extent.feed(text, start)
        if end < 0:
            return None
        if extent.problem is None:
            try:
                return json.loads(text[start:end])
            except ValueError:
                pass
        at = max(end, start + 1)
    return None
