"""kluster.ai's Batch API, framework-free: write, split, upload, poll, collect.

Modules: ``_writer`` (JSONL to disk, split at 100 MB or a request cap), ``_submit`` (upload
and start batches; re-attach by id), ``_job`` (``KlusterBatch``: status, wait with a
progress bar, results in input order, cancel), ``_status`` (``BatchStatus``), ``_polling``
(the waits between polls, retries, the deadline), ``_download`` (files fetched to names of
our own, capped, retried), ``_reader`` (output and error files mapped back by
``custom_id``), ``_codec`` (``BatchCodec``: how an adapter's inputs become requests and its
answers results), ``_estimate`` (what a job would cost, before submitting). Each
adapter's model builds its codec (the requests and answers a real-time call makes and
reads); everything else is here.

Example::

    job = submit_requests(openai.OpenAI(...), bodies)
    job.wait()
    job.results(return_exceptions=True)
"""

from kluster_integrations.core.batch_api._codec import BatchCodec, batch_body, prompted_tools_error
from kluster_integrations.core.batch_api._estimate import estimate_inputs
from kluster_integrations.core.batch_api._job import KlusterBatch
from kluster_integrations.core.batch_api._status import BatchStatus
from kluster_integrations.core.batch_api._submit import (
    asubmit_inputs,
    asubmit_requests,
    attach,
    check_completion_window,
    submit_inputs,
    submit_requests,
)

__all__ = [
    "BatchCodec",
    "BatchStatus",
    "KlusterBatch",
    "asubmit_inputs",
    "asubmit_requests",
    "attach",
    "batch_body",
    "check_completion_window",
    "estimate_inputs",
    "prompted_tools_error",
    "submit_inputs",
    "submit_requests",
]
