"""kluster.ai for LangChain: swap ``ChatOpenAI`` for ``ChatKluster``.

Example::

    from kluster_integrations.langchain import ChatKluster, KlusterEmbeddings

    llm = ChatKluster()                  # KLUSTER_API_KEY from the environment
    llm.invoke("Hello!")
    KlusterEmbeddings().embed_query("Hello!")
    KlusterVerify().invoke({"prompt": "Capital of France?", "output": "Rome."})  # Verify
    (prompt | llm.with_batch_api() | parser).batch(inputs)   # one Batch API job
"""

from kluster_integrations.core.batch_api import KlusterBatch
from kluster_integrations.core.errors import (
    HallucinationDetectedError,
    ImageInputNotSupportedError,
    InvalidToolError,
    MissingAPIKeyError,
    StructuredOutputError,
    ToolCallingNotSupportedError,
    ToolCallRequiredError,
    UnsupportedParameterError,
)
from kluster_integrations.langchain._batch_runnable import BatchAPIModel
from kluster_integrations.langchain._cost import KlusterCallbackHandler, get_kluster_callback
from kluster_integrations.langchain._errors import (
    KlusterAuthenticationError,
    KlusterBaseURLPathError,
    KlusterConnectionError,
    KlusterModelNotFoundError,
    KlusterPermissionDeniedError,
)
from kluster_integrations.langchain._structured_output import StructuredOutputParseError
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.langchain.verify import KlusterVerify

__all__ = [
    "BatchAPIModel",
    "ChatKluster",
    "HallucinationDetectedError",
    "ImageInputNotSupportedError",
    "InvalidToolError",
    "KlusterAuthenticationError",
    "KlusterBaseURLPathError",
    "KlusterBatch",
    "KlusterCallbackHandler",
    "KlusterConnectionError",
    "KlusterEmbeddings",
    "KlusterModelNotFoundError",
    "KlusterPermissionDeniedError",
    "KlusterVerify",
    "MissingAPIKeyError",
    "StructuredOutputError",
    "StructuredOutputParseError",
    "ToolCallRequiredError",
    "ToolCallingNotSupportedError",
    "UnsupportedParameterError",
    "get_kluster_callback",
]
