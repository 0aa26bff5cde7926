"""The request path: a chat request as kluster.ai accepts it, or a typed error before
anything is sent (sanitize, rewrite the history, validate the values).

Example::

    >>> from kluster_integrations.core.request import sanitize_request
    >>> sanitize_request({"model": "m", "messages": [], "max_tokens": 5}).request
    {'model': 'm', 'messages': [], 'max_completion_tokens': 5}
"""

from kluster_integrations.core.request._changes import (
    Change,
)
from kluster_integrations.core.request._embeddings import (
    check_batch_size,
    check_embedding_parameters,
    without_refused_parameters,
)
from kluster_integrations.core.request._history import (
    TOOL_CALL_PREFIX,
    TOOL_RESULT_PREFIX,
)
from kluster_integrations.core.request._prepare import (
    ChatOptions,
    PreparedRequest,
    RequestPreparer,
    refuse_unsupported,
)
from kluster_integrations.core.request._sanitizer import (
    SanitizedRequest,
    sanitize_request,
)
from kluster_integrations.core.request._series import (
    RequestSeries,
)
from kluster_integrations.core.request._text import (
    lone_surrogate_problem,
)
from kluster_integrations.core.request._validation import (
    check_request,
    request_problems,
)

__all__ = [
    "TOOL_CALL_PREFIX",
    "TOOL_RESULT_PREFIX",
    "Change",
    "ChatOptions",
    "PreparedRequest",
    "RequestPreparer",
    "RequestSeries",
    "SanitizedRequest",
    "check_batch_size",
    "check_embedding_parameters",
    "check_request",
    "lone_surrogate_problem",
    "refuse_unsupported",
    "request_problems",
    "sanitize_request",
    "without_refused_parameters",
]
