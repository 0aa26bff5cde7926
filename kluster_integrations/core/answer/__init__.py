"""The answer path: a chat answer read, checked and made whole, or a typed error
(malformed, cut short, a queued placeholder instead of an answer).

Example::

    from kluster_integrations.core.answer import check_chat_completion
    check_chat_completion({"choices": []})   # MalformedResponseError
"""

from kluster_integrations.core.answer._checks import (
    check_chat_chunk,
    check_chat_completion,
)
from kluster_integrations.core.answer._embeddings import (
    CheckedEmbeddings,
    WithCheckedEmbeddings,
    checked_embedding_answer,
    embedding_input_problems,
)
from kluster_integrations.core.answer._parsing import (
    ParsedRawResponse,
    aparsed_create,
    parsed_create,
    parser_for,
)
from kluster_integrations.core.answer._placeholder import (
    reject_placeholder,
    reject_placeholder_completion,
)
from kluster_integrations.core.answer._readable import (
    readable_response,
)
from kluster_integrations.core.answer._streaming import (
    aguard_stream,
    guard_stream,
)

__all__ = [
    "CheckedEmbeddings",
    "ParsedRawResponse",
    "WithCheckedEmbeddings",
    "aguard_stream",
    "aparsed_create",
    "check_chat_chunk",
    "check_chat_completion",
    "checked_embedding_answer",
    "embedding_input_problems",
    "guard_stream",
    "parsed_create",
    "parser_for",
    "readable_response",
    "reject_placeholder",
    "reject_placeholder_completion",
]
