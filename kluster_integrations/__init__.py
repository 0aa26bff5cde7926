"""kluster.ai for LangChain and LlamaIndex.

The top-level package imports no framework. Pick an adapter:

    from kluster_integrations.langchain import ChatKluster      # LangChain
    from kluster_integrations.llama_index import KlusterLLM     # LlamaIndex

The framework-free core (contract, sanitizer, catalog, Verify) is re-exported here::

    from kluster_integrations import sanitize_request, verify_reliability
    cleaned = sanitize_request({"model": "m", "messages": [...], "max_tokens": 64}).request
    verify_reliability(prompt="Capital of France?", output="Rome.").is_hallucination
"""

from kluster_integrations import core
from kluster_integrations.core import *  # noqa: F403 - the core's public names, re-exported

__version__ = "0.1.0"

__all__ = [*core.__all__, "__version__"]
