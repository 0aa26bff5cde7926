"""What the probe sends and what the contract data says the answer should be.

Every probe is read from ``core.contract`` and ``core.models``: one request per refused
parameter and message field (on one cheap model, since those rules do not depend on the
model), one request with a tool and one with an image per catalog chat model (accepted or
refused as ``ModelInfo.supports`` says), the temperature range, the embeddings rules, usage
in streams, and Verify (its answer's shape in both request forms, search results, the
refused inputs, and the check on the chat endpoint). A rule the probe has no test value for
shows up as ``untested``, so a new rule cannot slip by.

Example::

    >>> [p.rule for p in chat_parameter_probes("mistralai/Mistral-Nemo-Instruct-2407")][:2]
    ['parameter store', 'parameter n']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kluster_integrations.core.contract import (
    DEFAULT_EMBEDDING_MODEL,
    KNOWN_MODELS,
    VERIFY_ANSWER_ROLE,
    VERIFY_CAPABILITY,
    VERIFY_MIN_MESSAGES,
    VERIFY_MODEL,
    VERIFY_REQUIRED_FIELDS,
    VERIFY_SOURCE,
    ModelInfo,
)
from kluster_integrations.core.contract import _api as contract

#: A chat model with no special capabilities, cheap per token, for model-independent rules.
PROBE_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"

#: Every accepted probe asks for one token: the probe's cost is its prompts.
MAX_COMPLETION_TOKENS = 1

PROMPT = "Hi"

Outcome = Literal["accepted", "refused"]

_FUNCTION = {
    "name": "probe",
    "description": "Probe.",
    "parameters": {"type": "object", "properties": {}},
}
_TOOL_CALL = {
    "id": "call_probe",
    "type": "function",
    "function": {"name": "probe", "arguments": "{}"},
}

#: A value that asks for what each refused parameter does (never a neutral value).
PARAMETER_VALUES: Mapping[str, Any] = {
    "store": True,
    "n": 2,
    "modalities": ["text", "audio"],
    "response_format": {"type": "json_object"},
    "service_tier": "flex",
    "stream_options": {"include_usage": True},
    "tools": [{"type": "function", "function": _FUNCTION}],
    "tool_choice": "required",
    "parallel_tool_calls": False,
    "functions": [_FUNCTION],
    "function_call": {"name": "probe"},
}

#: A value for each refused message field.
MESSAGE_FIELD_VALUES: Mapping[str, Any] = {
    "name": "probe",
    "refusal": "No.",
    "audio": {"id": "audio_probe"},
    "tool_calls": [_TOOL_CALL],
    "function_call": {"name": "probe", "arguments": "{}"},
}

#: A value for each refused embeddings parameter.
EMBEDDING_PARAMETER_VALUES: Mapping[str, Any] = {"dimensions": 256}

#: A 16x16 orange PNG, sent inline so no model has to fetch a URL.
IMAGE_DATA_URL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4"
    "2mP438BAEmIY1TCqYfhqAACcdX8QL4dRqgAAAABJRU5ErkJggg=="
)


@dataclass(frozen=True)
class Probe:
    """One request and the outcome the contract data predicts for it.

    ``endpoint`` is ``"chat"``, ``"embeddings"`` or ``"verify"`` (``/v1/verify/reliability``,
    whose ``body`` is sent as it is and whose answer must read as a ``VerifyResult``);
    ``body`` is everything but ``model`` and ``max_completion_tokens``. ``expected`` is
    ``None`` for an ``untested`` rule (no test value known), which is reported and not sent.
    """

    rule: str
    model: str
    endpoint: Literal["chat", "embeddings", "verify"]
    body: Mapping[str, Any] = field(default_factory=dict)
    expected: Outcome | None = "refused"
    source: str = ""


def _lifted(
    rule: contract.ParameterRule | contract.MessageFieldRule, info: ModelInfo | None
) -> bool:
    """Whether the model's capabilities lift ``rule`` (the rule's optional ``unless``)."""
    return rule.unless is not None and info is not None and info.supports(rule.unless)


def _expected(rule: contract.ParameterRule | contract.MessageFieldRule, model: str) -> Outcome:
    return "accepted" if _lifted(rule, KNOWN_MODELS.get(model)) else "refused"


def _user(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"role": "user", "content": PROMPT, **(extra or {})}


def chat_parameter_probes(model: str = PROBE_MODEL) -> list[Probe]:
    """One probe per refused top-level parameter in ``contract.UNSUPPORTED_PARAMETERS``."""
    probes = []
    for name, rule in contract.UNSUPPORTED_PARAMETERS.items():
        rule_name = f"parameter {name}"
        if name not in PARAMETER_VALUES:
            probes.append(Probe(rule_name, model, "chat", expected=None, source=rule.reason))
            continue
        body: dict[str, Any] = {"messages": [_user()], name: PARAMETER_VALUES[name]}
        if name == "stream_options":
            body["stream"] = True
        probes.append(Probe(rule_name, model, "chat", body, _expected(rule, model), rule.reason))
    return probes


def message_field_probes(model: str = PROBE_MODEL) -> list[Probe]:
    """One probe per refused message field in ``contract.UNSUPPORTED_MESSAGE_FIELDS``."""
    probes = []
    for name, rule in contract.UNSUPPORTED_MESSAGE_FIELDS.items():
        role = "user" if "user" in rule.roles else sorted(rule.roles)[0]
        rule_name = f"message field {role}.{name}"
        if name not in MESSAGE_FIELD_VALUES:
            probes.append(Probe(rule_name, model, "chat", expected=None, source=rule.reason))
            continue
        value = {name: MESSAGE_FIELD_VALUES[name]}
        messages = (
            [_user(value)]
            if role == "user"
            else [_user(), {"role": role, "content": "Hello.", **value}, _user()]
        )
        probes.append(
            Probe(
                rule_name,
                model,
                "chat",
                {"messages": messages},
                _expected(rule, model),
                rule.reason,
            )
        )
    return probes


#: ``models=ALL_MODELS`` probes every catalog chat model (costs more; see ``plan``).
ALL_MODELS = ("all",)


def representative_models() -> list[str]:
    """One catalog chat model per combination of the capabilities the per-model rules read
    (``tools``, ``vision``): enough to see each rule both ways, at a few hundred tokens."""
    seen: dict[tuple[bool, bool], str] = {}
    for info in _chatting(KNOWN_MODELS.values()):
        kind = (info.supports("tools"), info.supports(contract.IMAGE_CAPABILITY))
        seen.setdefault(kind, info.id)
    return list(seen.values())


def _chatting(models: Iterable[ModelInfo]) -> list[ModelInfo]:
    """The chat models, without the hallucination checker that answers on the chat
    endpoint (``VERIFY_CAPABILITY``: its own probes are ``verify_probes``)."""
    return [info for info in models if info.is_chat and not info.supports(VERIFY_CAPABILITY)]


def _chat_models(models: Iterable[str] | None) -> list[str]:
    if models is None:
        return representative_models()
    chosen = list(models)
    if chosen == list(ALL_MODELS):
        return [info.id for info in _chatting(KNOWN_MODELS.values())]
    return chosen


def tool_probes(models: Iterable[str] | None = None) -> list[Probe]:
    """Per chat model: a request with one tool, accepted only where the ``tools`` rule is
    lifted for the model (``ModelInfo.supports``)."""
    rule = contract.UNSUPPORTED_PARAMETERS.get("tools")
    if rule is None:
        return []
    return [
        Probe(
            "tools per model",
            model,
            "chat",
            {"messages": [_user()], "tools": PARAMETER_VALUES["tools"]},
            _expected(rule, model),
            "catalog capability `tools`",
        )
        for model in _chat_models(models)
    ]


def image_probes(models: Iterable[str] | None = None) -> list[Probe]:
    """Per chat model: a message with an inline image, accepted on the catalog's vision
    models (``contract.IMAGE_CAPABILITY``) and refused on the others."""
    message = {
        "role": "user",
        "content": [
            {"type": "text", "text": PROMPT},
            {"type": "image_url", "image_url": {"url": IMAGE_DATA_URL}},
        ],
    }
    probes = []
    for model in _chat_models(models):
        info = KNOWN_MODELS.get(model)
        vision = info is not None and info.supports(contract.IMAGE_CAPABILITY)
        expected: Outcome | None = "accepted" if vision else "refused"
        probes.append(
            Probe(
                "images per model",
                model,
                "chat",
                {"messages": [message]},
                expected,
                "catalog capability `vision`",
            )
        )
    return probes


def temperature_probes(model: str = PROBE_MODEL) -> list[Probe]:
    """``contract.TEMPERATURE_RANGE``: its top accepted, just above it refused."""
    high = contract.TEMPERATURE_RANGE[1]
    source = f"contract.TEMPERATURE_RANGE = {contract.TEMPERATURE_RANGE}"
    return [
        Probe(
            "temperature at the maximum",
            model,
            "chat",
            {"messages": [_user()], "temperature": high},
            "accepted",
            source,
        ),
        Probe(
            "temperature above the maximum",
            model,
            "chat",
            {"messages": [_user()], "temperature": high + 0.5},
            "refused",
            source,
        ),
    ]


def stream_usage_probe(model: str = PROBE_MODEL) -> Probe:
    """A streamed request without ``stream_options``; the report says whether usage came."""
    return Probe(
        "usage in streams",
        model,
        "chat",
        {"messages": [_user()], "stream": True},
        expected="accepted",
        source=f"contract.STREAM_USAGE = {contract.STREAM_USAGE!r}",
    )


def embedding_probes(model: str = DEFAULT_EMBEDDING_MODEL) -> list[Probe]:
    """A plain request (its vectors must have ``EMBEDDING_DIMENSIONS`` values), and one per
    refused embeddings parameter."""
    probes = [
        Probe(
            "embedding dimensions",
            model,
            "embeddings",
            {"input": PROMPT},
            "accepted",
            f"contract.EMBEDDING_DIMENSIONS = {contract.EMBEDDING_DIMENSIONS}",
        )
    ]
    for name, rule in contract.UNSUPPORTED_EMBEDDING_PARAMETERS.items():
        rule_name = f"embeddings parameter {name}"
        if name not in EMBEDDING_PARAMETER_VALUES:
            probes.append(Probe(rule_name, model, "embeddings", expected=None, source=rule.reason))
            continue
        probes.append(
            Probe(
                rule_name,
                model,
                "embeddings",
                {"input": PROMPT, name: EMBEDDING_PARAMETER_VALUES[name]},
                "refused",
                rule.reason,
            )
        )
    return probes


#: A question, a right answer and the document it agrees with, for the Verify probes.
VERIFY_QUESTION = "Where is the Eiffel Tower?"
VERIFY_ANSWER = "The Eiffel Tower is in Paris."


def verify_probes() -> list[Probe]:
    """Verify (``core.contract``, ``VERIFY_*``): the answer of each request form read as a
    ``VerifyResult``, search results when asked for, each required field empty and too few
    messages refused, and ``VERIFY_MODEL`` answering on the chat endpoint."""
    pair = {"prompt": VERIFY_QUESTION, "output": VERIFY_ANSWER}
    conversation = [
        {"role": "user", "content": VERIFY_QUESTION},
        {"role": VERIFY_ANSWER_ROLE, "content": VERIFY_ANSWER},
    ]

    def verify(rule: str, body: dict[str, Any], expected: Outcome = "accepted") -> Probe:
        return Probe(rule, VERIFY_MODEL, "verify", body, expected, VERIFY_SOURCE)

    return [
        verify("verify answer with context", {**pair, "context": VERIFY_ANSWER}),
        verify("verify search results", {**pair, "return_search_results": True}),
        verify("verify messages form", {"messages": conversation}),
        *(
            verify(f"verify empty {name}", {**pair, name: ""}, "refused")
            for name in VERIFY_REQUIRED_FIELDS
        ),
        verify(
            "verify too few messages",
            {"messages": conversation[-(VERIFY_MIN_MESSAGES - 1) :]},
            "refused",
        ),
        Probe(
            "verify model on the chat endpoint",
            VERIFY_MODEL,
            "chat",
            {"messages": conversation},
            "accepted",
            VERIFY_SOURCE,
        ),
    ]


def plan(model: str = PROBE_MODEL, models: Iterable[str] | None = None) -> list[Probe]:
    """Every probe, in the order they are sent: the baseline first."""
    baseline = Probe(
        "baseline",
        model,
        "chat",
        {"messages": [_user()]},
        "accepted",
        "a minimal request must work, or nothing else can be judged",
    )
    per_model = list(models) if models is not None else None
    return [
        baseline,
        *chat_parameter_probes(model),
        *message_field_probes(model),
        *temperature_probes(model),
        *tool_probes(per_model),
        *image_probes(per_model),
        stream_usage_probe(model),
        *embedding_probes(),
        *verify_probes(),
    ]
