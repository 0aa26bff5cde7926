"""The framework-free core: the kluster.ai contract as data, and what enforces it.

Modules: ``contract`` (what the API refuses), ``sanitizer`` and ``history`` (clean a
request), ``preparation`` (what adapters run per request), ``validation`` (values known bad before
sending), ``embeddings`` (the embeddings endpoint's rules), ``catalog`` (models), ``config``
(key, URL, client defaults), ``structured`` (JSON through the prompt), ``streaming`` and
``responses`` (incomplete or unreadable answers), ``http`` (a pool per event loop),
``capabilities`` (what each model can do), ``tool_calling`` and ``tool_protocol`` (native or
prompted tools), ``reasoning`` (thinking apart from the answer), ``batch`` (the Batch API
engine), ``connection`` and ``guards`` (client defaults; deadline, idle-stream, size and
shape guards on every answer; ``content_decoding`` and ``stream_events`` read bodies for
them), ``answers`` and ``embedding_answers`` (usable answers only),
``input_checks``, ``text`` and ``base_url`` (inputs and URLs checked before sending),
``errors``. Nothing here imports LangChain or LlamaIndex.
"""

from kluster_integrations.core.batch import (
    AdaptiveInferenceQueuedError,
    BatchDownloadError,
    BatchFileIdError,
    BatchFileTooLargeError,
    BatchInputError,
    BatchItemError,
    BatchNotFinishedError,
    BatchNotFoundError,
    BatchOutputError,
    BatchOutputLineError,
    BatchResultsError,
    BatchStatus,
    BatchStatusUnavailableError,
    BatchTimeoutError,
    KlusterBatch,
)
from kluster_integrations.core.catalog import (
    KNOWN_MODELS,
    ModelInfo,
    lookup_model,
)
from kluster_integrations.core.changes import Change
from kluster_integrations.core.config import DEFAULT_BASE_URL
from kluster_integrations.core.errors import (
    BaseURLWarning,
    DeadlineExceededError,
    EmbeddingMismatchError,
    EmptyAPIKeyError,
    ImageInputNotSupportedError,
    InvalidAPIKeyError,
    InvalidReasoningModeError,
    InvalidRequestError,
    InvalidToolCallError,
    InvalidToolError,
    KlusterError,
    KlusterWarning,
    MalformedResponseError,
    MissingAPIKeyError,
    ModelListingWarning,
    ResponseTooLargeError,
    StreamIdleTimeoutError,
    StreamInterruptedError,
    StructuredOutputError,
    ToolCallingNotSupportedError,
    ToolCallRequiredError,
    UnknownModelWarning,
    UnsupportedContentEncodingError,
    UnsupportedParameterError,
    UnsupportedParameterWarning,
    WrongModelPurposeError,
)
from kluster_integrations.core.sanitizer import SanitizedRequest, sanitize_request

__all__ = [
    "DEFAULT_BASE_URL",
    "KNOWN_MODELS",
    "AdaptiveInferenceQueuedError",
    "BaseURLWarning",
    "BatchDownloadError",
    "BatchFileIdError",
    "BatchFileTooLargeError",
    "BatchInputError",
    "BatchItemError",
    "BatchNotFinishedError",
    "BatchNotFoundError",
    "BatchOutputError",
    "BatchOutputLineError",
    "BatchResultsError",
    "BatchStatus",
    "BatchStatusUnavailableError",
    "BatchTimeoutError",
    "Change",
    "DeadlineExceededError",
    "EmbeddingMismatchError",
    "EmptyAPIKeyError",
    "ImageInputNotSupportedError",
    "InvalidAPIKeyError",
    "InvalidReasoningModeError",
    "InvalidRequestError",
    "InvalidToolCallError",
    "InvalidToolError",
    "KlusterBatch",
    "KlusterError",
    "KlusterWarning",
    "MalformedResponseError",
    "MissingAPIKeyError",
    "ModelInfo",
    "ModelListingWarning",
    "ResponseTooLargeError",
    "SanitizedRequest",
    "StreamIdleTimeoutError",
    "StreamInterruptedError",
    "StructuredOutputError",
    "ToolCallRequiredError",
    "ToolCallingNotSupportedError",
    "UnknownModelWarning",
    "UnsupportedContentEncodingError",
    "UnsupportedParameterError",
    "UnsupportedParameterWarning",
    "WrongModelPurposeError",
    "lookup_model",
    "sanitize_request",
]
