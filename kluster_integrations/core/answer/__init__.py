"""The answer path: a chat answer read, checked and made whole, or a typed error
(malformed, cut short, a queued placeholder instead of an answer).

``complete`` / ``stream`` (and their async forms) send a ``PreparedRequest`` and read its
answer the one way both adapters use; see ``_chat``.

Example::

    from kluster_integrations.core.answer import complete
    answer = complete(client.chat.completions, prepared)
    answer.completion.choices[0].message.content
"""

from kluster_integrations.core.answer._chat import (
    AsyncChunkStream,
    ChatAnswer,
    ChunkStream,
    acomplete,
    astream,
    complete,
    read_batch_answer,
    read_completion,
    stream,
)
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
    unreadable_answer,
)
from kluster_integrations.core.answer._setup_errors import (
    base_url_of,
    setup_errors,
)
from kluster_integrations.core.answer._streaming import (
    StreamGuard,
)

__all__ = [
    "AsyncChunkStream",
    "ChatAnswer",
    "CheckedEmbeddings",
    "ChunkStream",
    "ParsedRawResponse",
    "StreamGuard",
    "WithCheckedEmbeddings",
    "acomplete",
    "aparsed_create",
    "astream",
    "base_url_of",
    "check_chat_chunk",
    "check_chat_completion",
    "checked_embedding_answer",
    "complete",
    "embedding_input_problems",
    "parsed_create",
    "parser_for",
    "read_batch_answer",
    "read_completion",
    "readable_response",
    "reject_placeholder",
    "reject_placeholder_completion",
    "setup_errors",
    "stream",
    "unreadable_answer",
]
