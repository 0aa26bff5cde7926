"""kluster.ai for LangChain: swap ``ChatOpenAI`` for ``ChatKluster``.

Example::

    from kluster_integrations.langchain import ChatKluster, KlusterEmbeddings

    llm = ChatKluster()                  # KLUSTER_API_KEY from the environment
    llm.invoke("Hello!")
    KlusterEmbeddings().embed_query("Hello!")
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
from kluster_integrations.langchain._cost import KlusterCallbackHandler, get_kluster_callback
from kluster_integrations.langchain._structured_output import StructuredOutputParseError
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings

__all__ = [
    "ChatKluster",
    "ImageInputNotSupportedError",
    "InvalidToolError",
    "KlusterBatch",
    "KlusterCallbackHandler",
    "KlusterEmbeddings",
    "MissingAPIKeyError",
    "StructuredOutputError",
    "StructuredOutputParseError",
    "ToolCallRequiredError",
    "ToolCallingNotSupportedError",
    "UnsupportedParameterError",
    "get_kluster_callback",
]
