"""The framework-free core: the kluster.ai contract as data, and what enforces it.

Modules: ``contract`` (what the API refuses), ``sanitizer`` and ``history`` (clean a
request), ``catalog`` (models), ``config`` (key and URL), ``structured`` (JSON through
the prompt), ``validation`` (values known bad before sending), ``errors``.
Nothing here imports LangChain or LlamaIndex.
"""

from kluster_integrations.core.catalog import (
    KNOWN_MODELS,
    ModelInfo,
    UnknownModelWarning,
    lookup_model,
)
from kluster_integrations.core.changes import Change
from kluster_integrations.core.config import DEFAULT_BASE_URL
from kluster_integrations.core.errors import (
    InvalidAPIKeyError,
    KlusterError,
    MalformedResponseError,
    MissingAPIKeyError,
    StructuredOutputError,
    UnsupportedParameterError,
)
from kluster_integrations.core.sanitizer import (
    SanitizedRequest,
    UnsupportedParameterWarning,
    sanitize_request,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "KNOWN_MODELS",
    "Change",
    "InvalidAPIKeyError",
    "KlusterError",
    "MalformedResponseError",
    "MissingAPIKeyError",
    "ModelInfo",
    "SanitizedRequest",
    "StructuredOutputError",
    "UnknownModelWarning",
    "UnsupportedParameterError",
    "UnsupportedParameterWarning",
    "lookup_model",
    "sanitize_request",
]
