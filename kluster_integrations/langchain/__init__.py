"""kluster.ai for LangChain: swap ``ChatOpenAI`` for ``ChatKluster``.

Example::

    from kluster_integrations.langchain import ChatKluster, KlusterEmbeddings

    llm = ChatKluster()                  # KLUSTER_API_KEY from the environment
    llm.invoke("Hello!")
    KlusterEmbeddings().embed_query("Hello!")
"""

from kluster_integrations.core.batch import KlusterBatch
from kluster_integrations.core.errors import (
    MissingAPIKeyError,
    StructuredOutputError,
    ToolCallingNotSupportedError,
    UnsupportedParameterError,
)
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.langchain.structured_output import StructuredOutputParseError

__all__ = [
    "ChatKluster",
    "KlusterBatch",
    "KlusterEmbeddings",
    "MissingAPIKeyError",
    "StructuredOutputError",
    "StructuredOutputParseError",
    "ToolCallingNotSupportedError",
    "UnsupportedParameterError",
]
