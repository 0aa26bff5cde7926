"""What a job would cost, before it is submitted: each input made the request
``submit_inputs`` would send, then priced by ``core.cost.estimate_batch_cost``.

Example::

    estimate = estimate_inputs(["Classify: great movie"] * 200, codec, completion_window="24h")
    estimate.batch_usd, estimate.realtime_usd, estimate.savings_usd
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kluster_integrations.core.batch_api._codec import BatchCodec
from kluster_integrations.core.batch_api._submit import check_completion_window
from kluster_integrations.core.contract import DEFAULT_COMPLETION_WINDOW
from kluster_integrations.core.cost import BatchEstimate, estimate_batch_cost


def estimate_inputs(
    inputs: Iterable[Any],
    codec: BatchCodec,
    *,
    completion_window: str = DEFAULT_COMPLETION_WINDOW,
) -> BatchEstimate:
    """The most ``inputs`` would cost as a job in ``completion_window``, beside real-time
    (``BatchInputError`` for a window kluster.ai does not offer, or an input that cannot
    go through the Batch API; nothing is sent)."""
    window = check_completion_window(completion_window)
    return estimate_batch_cost((codec.request_for(value) for value in inputs), window)
