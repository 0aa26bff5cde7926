"""kluster.ai for LlamaIndex: change the import, keep the pipeline.

Example::

    from llama_index.core import Settings, VectorStoreIndex
    from kluster_integrations.llama_index import KlusterEmbedding, KlusterLLM

    Settings.llm = KlusterLLM()                 # reads KLUSTER_API_KEY / KLUSTER_BASE_URL
    Settings.embed_model = KlusterEmbedding()
    engine = VectorStoreIndex.from_documents(documents).as_query_engine()
    print(engine.query("Which embedding model does kluster.ai serve?"))
    KlusterVerifyEvaluator().evaluate_response(query=..., response=engine.query(...))  # Verify

Needs the ``llama-index`` extra: ``pip install "kluster-integrations[llama-index]"``.
"""

from kluster_integrations.core.batch_api import KlusterBatch
from kluster_integrations.core.errors import HallucinationDetectedError, UnknownModelWarning
from kluster_integrations.llama_index._cost import (
    KlusterCostEvent,
    KlusterCostHandler,
    get_kluster_cost_handler,
)
from kluster_integrations.llama_index._structured import SchemaOutputParser
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.evaluation import KlusterVerifyEvaluator
from kluster_integrations.llama_index.llms import KlusterLLM

__all__ = [
    "HallucinationDetectedError",
    "KlusterBatch",
    "KlusterCostEvent",
    "KlusterCostHandler",
    "KlusterEmbedding",
    "KlusterLLM",
    "KlusterVerifyEvaluator",
    "SchemaOutputParser",
    "UnknownModelWarning",
    "get_kluster_cost_handler",
]
