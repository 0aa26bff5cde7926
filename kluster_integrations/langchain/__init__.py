"""kluster.ai for LangChain: swap ``ChatOpenAI`` for ``ChatKluster``.

Example::

    from kluster_integrations.langchain import ChatKluster, KlusterEmbeddings

    llm = ChatKluster()                  # KLUSTER_API_KEY from the environment
    llm.invoke("Hello!")
    KlusterEmbeddings().embed_query("Hello!")
    (prompt | llm.with_batch_api() | parser).batch(inputs)   # one Batch API job
"""

from kluster_integrations.core.batch_api import KlusterBatch
from kluster_integrations.core.errors import (
    ImageInputNotSupportedError,
    InvalidToolError,
    MissingAPIKeyError,
    StructuredOutputError,
    ToolCallingNotSupportedError,
    ToolCallRequiredError,
    UnsupportedParameterError,
)
from kluster_integrations.langchain._batch_runnable import BatchAPIModel
from kluster_integrations.langchain._structured_output import StructuredOutputParseError
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings

__all__ = [
    "BatchAPIModel",
    "ChatKluster",
    "ImageInputNotSupportedError",
    "InvalidToolError",
    "KlusterBatch",
    "KlusterEmbeddings",
    "MissingAPIKeyError",
    "StructuredOutputError",
    "StructuredOutputParseError",
    "ToolCallRequiredError",
    "ToolCallingNotSupportedError",
    "UnsupportedParameterError",
]
