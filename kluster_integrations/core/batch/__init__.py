"""kluster.ai's Batch API, framework-free: write, split, upload, poll, collect.

Modules: ``writer`` (JSONL to disk, split at 100 MB or a request cap), ``submit`` (upload
and start batches; re-attach by id), ``job`` (``KlusterBatch``: status, wait with a
progress bar, results in input order, cancel), ``download`` (files fetched to names of
our own, capped, retried), ``reader`` (output and error files mapped back by
``custom_id``). The LangChain and LlamaIndex adapters build the request
bodies and convert the answers; everything else is here.

Example::

    job = submit_requests(openai.OpenAI(...), bodies)
    job.wait()
    job.results(return_exceptions=True)
"""

from kluster_integrations.core.batch.job import BatchStatus, KlusterBatch
from kluster_integrations.core.batch.submit import asubmit_requests, attach, submit_requests
from kluster_integrations.core.errors import (
    AdaptiveInferenceQueuedError,
    BatchDownloadError,
    BatchError,
    BatchFileIdError,
    BatchFileTooLargeError,
    BatchInputError,
    BatchItemError,
    BatchNotFinishedError,
    BatchNotFoundError,
    BatchOutputError,
    BatchOutputLineError,
    BatchResultsError,
    BatchStatusUnavailableError,
    BatchTimeoutError,
)

__all__ = [
    "AdaptiveInferenceQueuedError",
    "BatchDownloadError",
    "BatchError",
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
    "KlusterBatch",
    "asubmit_requests",
    "attach",
    "submit_requests",
]
