"""Batch jobs from the command line: ``python -m kluster_integrations.batch``.

For jobs started from a notebook or another process (``ChatKluster.submit_batch``,
``KlusterLLM.submit_batch``), with the key and URL from ``KLUSTER_API_KEY`` /
``KLUSTER_BASE_URL``::

    python -m kluster_integrations.batch status  BATCH_ID
    python -m kluster_integrations.batch wait    BATCH_ID [--poll-interval 30] [--timeout 3600]
    python -m kluster_integrations.batch results BATCH_ID [--wait] > answers.jsonl
    python -m kluster_integrations.batch files   BATCH_ID --to FOLDER
    python -m kluster_integrations.batch cancel  BATCH_ID
    python -m kluster_integrations.batch list    [--limit 20]

``results`` prints one JSON line per request in input order: ``{"index", "custom_id",
"response"}`` with the chat completion, or ``{"index", "custom_id", "error"}``; it exits 1
when some lines of the batch's files were missing, repeated or unreadable. ``files`` saves
the raw files as ``FOLDER/batch-<n>-<input|output|error>.jsonl``.
"""

from kluster_integrations.batch.cli import main

__all__ = ["main"]
