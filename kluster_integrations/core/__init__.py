"""The framework-free core: the kluster.ai contract as data, and what enforces it.

Modules: ``contract`` (what the API refuses), ``sanitizer`` and ``history`` (clean a
request), ``gate`` (what adapters run per request), ``validation`` (values known bad before
sending), ``embeddings`` (the embeddings endpoint's rules), ``catalog`` (models), ``config``
(key, URL, client defaults), ``structured`` (JSON through the prompt), ``streaming`` and
``responses`` (incomplete or unreadable answers), ``http`` (a pool per event loop),
``connection`` and ``guards`` (client defaults; deadline, idle-stream, size and shape guards
on every answer), ``answers`` and ``embedding_answers`` (usable answers only),
``input_checks``, ``text`` and ``base_url`` (inputs and URLs checked before sending),
``errors``. Nothing here imports LangChain or LlamaIndex.
"""

from kluster_integrations.core.base_url import BaseURLWarning
from kluster_integrations.core.catalog import (
    KNOWN_MODELS,
    ModelInfo,
    UnknownModelWarning,
    lookup_model,
)
from kluster_integrations.core.changes import Change
from kluster_integrations.core.config import DEFAULT_BASE_URL
from kluster_integrations.core.errors import (
    DeadlineExceededError,
    EmbeddingMismatchError,
    EmptyAPIKeyError,
    InvalidAPIKeyError,
    InvalidRequestError,
    KlusterError,
    MalformedResponseError,
    MissingAPIKeyError,
    ResponseTooLargeError,
    StreamIdleTimeoutError,
    StreamInterruptedError,
    StructuredOutputError,
    ToolCallingNotSupportedError,
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
    "BaseURLWarning",
    "Change",
    "DeadlineExceededError",
    "EmbeddingMismatchError",
    "EmptyAPIKeyError",
    "InvalidAPIKeyError",
    "InvalidRequestError",
    "KlusterError",
    "MalformedResponseError",
    "MissingAPIKeyError",
    "ModelInfo",
    "ResponseTooLargeError",
    "SanitizedRequest",
    "StreamIdleTimeoutError",
    "StreamInterruptedError",
    "StructuredOutputError",
    "ToolCallingNotSupportedError",
    "UnknownModelWarning",
    "UnsupportedParameterError",
    "UnsupportedParameterWarning",
    "lookup_model",
    "sanitize_request",
]
