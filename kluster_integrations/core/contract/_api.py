"""What the kluster.ai chat-completions API accepts, held as data.

This module is the single place where the project states the kluster.ai contract. The
sanitizer reads it to clean requests, the emulator reads it to reject requests, and the
table in docs/changes.md is checked against it by the tests.

Source: kluster-ai/docs, ``get-started/openai-compatibility.md`` as published on
2025-01-22 (the list below), unchanged for everything but tools through July 2025.
Since 2025-04-11 the page says ``tools``, ``tool_choice`` and ``parallel_tool_calls`` are
"supported only with Llama models", and the model table of 2025-07-01 marks Tools for four
models: a rule with ``unless="tools"`` is lifted for a model that has the ``tools``
capability in ``core.models`` (see ``core.models.capabilities_of``).

Example::

    >>> from kluster_integrations.core.contract._api import UNSUPPORTED_PARAMETERS
    >>> UNSUPPORTED_PARAMETERS["response_format"].fix
    'Describe the output in the prompt; with_structured_output / structured_predict...'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

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
    unless: str | None = None
    """A model capability that lifts the rule (``"tools"``): accepted on such models."""
    needs: str | None = None
    """Another parameter without which this one means nothing (dropped when it is absent)."""


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
    unless: str | None = None
    """A model capability that lifts the rule (``"tools"``)."""


def _freeze(rules: list[Any], key: str) -> Mapping[str, Any]:
    return MappingProxyType({getattr(rule, key): rule for rule in rules})


UNSUPPORTED_PARAMETERS: Mapping[str, ParameterRule] = _freeze(
    [
        ParameterRule(
            "store", "kluster.ai does not store completions.", "Remove `store`.", (None, False)
        ),
        ParameterRule(
            "n",
            "kluster.ai returns one choice per request.",
            "Send one request per completion.",
            (None, 1),
        ),
        ParameterRule(
            "modalities",
            "kluster.ai answers with text only.",
            "Remove `modalities`.",
            (None, ["text"], ("text",)),
        ),
        ParameterRule(
            "response_format",
            "kluster.ai has no JSON mode or JSON-schema mode.",
            "Describe the output in the prompt; with_structured_output / "
            "structured_predict (or create_agent with ToolStrategy) do this for you, and "
            "without strict_parameters the adapters emulate response_format that way.",
            (None, {"type": "text"}),
        ),
        ParameterRule(
            "service_tier",
            "kluster.ai has no service tiers per request.",
            "Remove `service_tier`.",
            (None, "auto", "default"),
        ),
        ParameterRule(
            "stream_options",
            "kluster.ai does not take stream options.",
            "Remove `stream_options`; usage is read from the stream when the server sends it.",
        ),
        ParameterRule(
            "tools",
            "kluster.ai takes tool definitions only on its tool models.",
            "Use bind_tools / chat_with_tools with tool_calling='auto' (the default), which "
            "describes the tools in the prompt on models without native tools.",
            (None, []),
            unless="tools",
        ),
        ParameterRule(
            "tool_choice",
            "kluster.ai takes tool definitions only on its tool models.",
            "Remove `tool_choice`.",
            (None, "none", "auto"),
            unless="tools",
            needs="tools",
        ),
        ParameterRule(
            "parallel_tool_calls",
            "kluster.ai takes tool definitions only on its tool models.",
            "Remove `parallel_tool_calls`.",
            unless="tools",
            needs="tools",
        ),
        ParameterRule(
            "functions",
            "Deprecated by OpenAI and not accepted by kluster.ai.",
            "Use a ReAct-style agent (prompted tool use) instead.",
            (None, []),
        ),
        ParameterRule(
            "function_call",
            "Deprecated by OpenAI and not accepted by kluster.ai.",
            "Remove `function_call`.",
            (None, "none", "auto"),
        ),
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
        MessageFieldRule(
            "tool_calls",
            _ASSISTANT,
            "kluster.ai takes tool-call history only on its tool models.",
            unless="tools",
        ),
        MessageFieldRule(
            "function_call", _ASSISTANT, "Deprecated by OpenAI and not accepted by kluster.ai."
        ),
    ],
    "field",
)

#: Roles whose messages only make sense next to assistant tool calls; without tool-call
#: history (every model but the tool models) such messages are orphans unless rewritten.
TOOL_RESULT_ROLES = frozenset({"tool", "function"})

#: Whether a stream's last chunk carries ``usage`` although ``stream_options`` is refused. Not
#: documented either way (``None``): the adapters read usage when it comes, the emulator sends
#: it unless ``Settings.stream_usage`` is off, and ``python -m kluster_integrations.probe``
#: reports what the live API does.
STREAM_USAGE: bool | None = None

#: The sampling temperatures accepted, inclusive. kluster.ai's docs state no range; this is the
#: OpenAI API's, which its OpenAI-compatible endpoint is taken to share.
TEMPERATURE_RANGE: tuple[float, float] = (0, 2)
#: The request parameters about tools; a tool model refuses each without a non-empty ``tools``.
TOOL_PARAMETERS: tuple[str, ...] = ("tools", "tool_choice", "parallel_tool_calls")
#: The tool-result roles a model with the ``tools`` capability accepts as they are.
NATIVE_TOOL_RESULT_ROLES = frozenset({"tool"})

#: The capability each model needs for image content parts (``image_url``); kluster.ai's
#: model table lists the vision models, and text-only models refuse images.
IMAGE_PART_TYPES = frozenset({"image_url", "input_image", "image"})
IMAGE_CAPABILITY = "vision"

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

#: Embeddings (kluster-ai/docs get-started/models.md, API reference for /v1/embeddings).
EMBEDDING_MAX_INPUTS = 2048
#: Longest text one embeddings input may be, in the model's own tokens.
EMBEDDING_MAX_INPUT_TOKENS = 8192
EMBEDDING_DIMENSIONS = 1024
#: Vector size per embeddings model; for others, all vectors of one answer must match.
EMBEDDING_DIMENSIONS_BY_MODEL: Mapping[str, int] = MappingProxyType(
    {"BAAI/bge-m3": EMBEDDING_DIMENSIONS}
)
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


def forbidden_message_fields(role: str, capabilities: frozenset[str] = frozenset()) -> list[str]:
    """Names of the fields kluster.ai refuses on a message with this role, for a model with
    these ``capabilities``."""
    return [
        rule.field
        for rule in UNSUPPORTED_MESSAGE_FIELDS.values()
        if role in rule.roles and rule.unless not in capabilities
    ]


@cache
def refused_parameters(capabilities: frozenset[str] = frozenset()) -> Mapping[str, ParameterRule]:
    """The parameter rules that hold for a model with these ``capabilities`` (read-only,
    computed once per set of capabilities: every request asks)."""
    return MappingProxyType(
        {
            name: rule
            for name, rule in UNSUPPORTED_PARAMETERS.items()
            if rule.unless is None or rule.unless not in capabilities
        }
    )


#: Batch API (kluster-ai/docs get-started/start-building/batch.md, rate-limit.md; see
#: ``shared/kluster-contract.md``, "Batch"): the endpoint a line may call, the completion
#: windows, the input-file size cap (100 MB since 2025-03-20), the statuses (per-batch caps
#: by tier: ``_limits.TIER_LIMITS``), and the text a queued adaptive-inference chat call
#: answers with.
BATCH_ENDPOINT = "/v1/chat/completions"
BATCH_COMPLETION_WINDOWS = ("24h", "48h", "72h")
#: The window a job gets when none is asked for: the shortest (and dearest) one.
DEFAULT_COMPLETION_WINDOW = BATCH_COMPLETION_WINDOWS[0]
BATCH_MAX_FILE_BYTES = 100 * 1024 * 1024
BATCH_FILE_PURPOSE: Literal["batch"] = "batch"
#: Body fields a batch line cannot use: a batch answer is one JSON object, never a stream
#: (the emulator refuses ``stream: true``; the batch writer leaves these out).
BATCH_LINE_STREAM_FIELDS = ("stream", "stream_options")
BATCH_ACTIVE_STATUSES = ("validating", "in_progress", "finalizing", "cancelling")
BATCH_FINAL_STATUSES = ("completed", "failed", "expired", "cancelled")
ADAPTIVE_INFERENCE_PLACEHOLDER = (
    "Your request has been queued for adaptive inference. Check your batch jobs for results."
)

#: Reasoning models (DeepSeek-R1, Qwen3, Magistral; kluster-ai/docs get-started/models.md,
#: July 2025) write their thinking first in the answer, between these tags; some
#: OpenAI-compatible servers send it in one of these fields instead, looked for in order.
THINK_OPEN_TAG = "<think>"
THINK_CLOSE_TAG = "</think>"
REASONING_FIELDS = ("reasoning_content", "reasoning")

#: Message roles of the chat-completions protocol kluster.ai speaks (which fields each may
#: carry is in ``UNSUPPORTED_MESSAGE_FIELDS``).
MESSAGE_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})

#: kluster.ai's own API hosts (kluster-ai/docs get-started/openai-compatibility.md).
KLUSTER_HOSTS = frozenset({"api.kluster.ai"})
