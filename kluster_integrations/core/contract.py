"""What the kluster.ai chat-completions API accepts, held as data.

This module is the single place where the project states the kluster.ai contract. The
sanitizer reads it to clean requests, the emulator reads it to reject requests, and the
README's table is checked against it by the tests.

Source: kluster-ai/docs, ``get-started/openai-compatibility.md`` as published on
2025-01-22 (the list below), unchanged for everything but tools through July 2025.
Since 2025-04-11 the page says ``tools``, ``tool_choice`` and ``parallel_tool_calls`` are
"supported only with Llama models"; this project keeps them unsupported by default
because no adapter sends tool definitions yet (see ``UNSUPPORTED_PARAMETERS``).

Example::

    >>> from kluster_integrations.core.contract import UNSUPPORTED_PARAMETERS
    >>> UNSUPPORTED_PARAMETERS["response_format"].fix
    'Describe the output in the prompt; with_structured_output / structured_predict do this...'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

CONTRACT_SOURCE = "kluster-ai/docs get-started/openai-compatibility.md"
CONTRACT_DATE = "2025-01-22"


@dataclass(frozen=True)
class ParameterRule:
    """Why kluster.ai refuses a top-level request parameter and what to do instead.

    ``neutral`` holds values that mean the same as leaving the parameter out (``n=1``);
    dropping those changes nothing, so no policy ever warns or raises about them.
    """

    name: str
    reason: str
    fix: str
    neutral: tuple[Any, ...] = (None,)


@dataclass(frozen=True)
class RenameRule:
    """A deprecated parameter that kluster.ai takes under another name."""

    name: str
    replacement: str
    reason: str


@dataclass(frozen=True)
class MessageFieldRule:
    """A message field that kluster.ai refuses on the given roles."""

    field: str
    roles: frozenset[str]
    reason: str


def _freeze(rules: list[Any], key: str) -> Mapping[str, Any]:
    return MappingProxyType({getattr(rule, key): rule for rule in rules})


UNSUPPORTED_PARAMETERS: Mapping[str, ParameterRule] = _freeze(
    [
        ParameterRule("store", "kluster.ai does not store completions.", "Remove `store`.",
                      (None, False)),
        ParameterRule(
            "n",
            "kluster.ai returns one choice per request.",
            "Send one request per completion.",
            (None, 1),
        ),
        ParameterRule("modalities", "kluster.ai answers with text only.", "Remove `modalities`.",
                      (None, ["text"], ("text",))),
        ParameterRule(
            "response_format",
            "kluster.ai has no JSON mode or JSON-schema mode.",
            "Describe the output in the prompt; with_structured_output / "
            "structured_predict do this for you.",
        ),
        ParameterRule("service_tier", "kluster.ai has no service tiers per request.",
                      "Remove `service_tier`.", (None, "auto", "default")),
        ParameterRule(
            "stream_options",
            "kluster.ai does not take stream options.",
            "Remove `stream_options`; usage is read from the stream when the server sends it.",
        ),
        ParameterRule(
            "tools",
            "kluster.ai does not take tool definitions.",
            "Use a ReAct-style agent (prompted tool use) instead of native tool calling.",
            (None, []),
        ),
        ParameterRule("tool_choice", "kluster.ai does not take tool definitions.",
                      "Remove `tool_choice`.", (None, "none", "auto")),
        ParameterRule("parallel_tool_calls", "kluster.ai does not take tool definitions.",
                      "Remove `parallel_tool_calls`."),
        ParameterRule("functions", "Deprecated by OpenAI and not accepted by kluster.ai.",
                      "Use a ReAct-style agent (prompted tool use) instead.", (None, [])),
        ParameterRule("function_call", "Deprecated by OpenAI and not accepted by kluster.ai.",
                      "Remove `function_call`.", (None, "none", "auto")),
    ],
    "name",
)

RENAMED_PARAMETERS: Mapping[str, RenameRule] = _freeze(
    [
        RenameRule(
            "max_tokens",
            "max_completion_tokens",
            "`max_tokens` is deprecated; kluster.ai takes `max_completion_tokens`.",
        ),
    ],
    "name",
)

_SPEAKING_ROLES = frozenset({"system", "user", "assistant"})
_ASSISTANT = frozenset({"assistant"})

UNSUPPORTED_MESSAGE_FIELDS: Mapping[str, MessageFieldRule] = _freeze(
    [
        MessageFieldRule("name", _SPEAKING_ROLES, "kluster.ai does not take participant names."),
        MessageFieldRule("refusal", _ASSISTANT, "kluster.ai does not take assistant refusals."),
        MessageFieldRule("audio", _ASSISTANT, "kluster.ai does not take assistant audio."),
        MessageFieldRule("tool_calls", _ASSISTANT, "kluster.ai does not take tool-call history."),
        MessageFieldRule("function_call", _ASSISTANT,
                         "Deprecated by OpenAI and not accepted by kluster.ai."),
    ],
    "field",
)

#: Roles whose messages only make sense next to assistant tool calls; the API has no
#: tool-call history, so such messages are orphans unless rewritten.
TOOL_RESULT_ROLES = frozenset({"tool", "function"})

#: Fields an OpenAI response has that kluster.ai responses lack.
ABSENT_RESPONSE_FIELDS: tuple[str, ...] = (
    "system_fingerprint",
    "usage.completion_tokens_details",
    "usage.prompt_tokens_details",
)

#: ``stop`` takes at most this many strings (OpenAI's limit, which kluster.ai's
#: OpenAI-compatible API keeps).
MAX_STOP_SEQUENCES = 4

#: Content part types of the chat API at all; which models take images is per model.
CONTENT_PART_TYPES = frozenset({"text", "image_url"})

#: Concurrent requests per account on the paid tiers (the Trial tier allows 20), from
#: kluster-ai/docs .snippets/text/get-started/rate-limit.md.
CONCURRENT_REQUEST_LIMIT = 100

#: Embeddings (kluster-ai/docs get-started/models.md, API reference for /v1/embeddings).
EMBEDDING_MAX_INPUTS = 2048
EMBEDDING_DIMENSIONS = 1024
#: Vector size per embeddings model; for others, all vectors of one answer must match.
EMBEDDING_DIMENSIONS_BY_MODEL: Mapping[str, int] = MappingProxyType(
    {"BAAI/bge-m3": EMBEDDING_DIMENSIONS})
EMBEDDING_ENCODINGS = ("float", "base64")
UNSUPPORTED_EMBEDDING_PARAMETERS: Mapping[str, ParameterRule] = _freeze(
    [
        ParameterRule(
            "dimensions",
            "kluster.ai embeddings have a fixed size and the API answers 400 to `dimensions`.",
            "Remove `dimensions`; BAAI/bge-m3 vectors have 1024 dimensions.",
        ),
    ],
    "name",
)


def forbidden_message_fields(role: str) -> list[str]:
    """Names of the fields kluster.ai refuses on a message with this role."""
    return [rule.field for rule in UNSUPPORTED_MESSAGE_FIELDS.values() if role in rule.roles]
