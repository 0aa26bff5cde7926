"""What answers cost, in USD: per answer (``charge_for``: usage times the model's price from
``core.models``), across a run (``track_cost``), and for Batch API jobs (``BatchCost``,
``estimate_batch_cost``). Framework-free: the adapters only place the figures.

Example::

    from kluster_integrations.core.cost import track_cost

    with track_cost() as cost:
        llm.invoke("Hi")
    print(f"${cost.total_usd:.6f} for {cost.requests} requests")
"""

from kluster_integrations.core.cost._batch import (
    BatchCost,
    BatchCostCounter,
    BatchEstimate,
    estimate_batch_cost,
    estimated_input_tokens,
)
from kluster_integrations.core.cost._charge import (
    COST_FIELD,
    MAX_USAGE_TOKENS,
    Bill,
    Charge,
    batch_window,
    charge_for,
    priced_as_batch,
    usage_tokens,
)
from kluster_integrations.core.cost._tracking import (
    CostTotals,
    CostTracker,
    record,
    track_cost,
)

__all__ = [
    "COST_FIELD",
    "MAX_USAGE_TOKENS",
    "BatchCost",
    "BatchCostCounter",
    "BatchEstimate",
    "Bill",
    "Charge",
    "CostTotals",
    "CostTracker",
    "batch_window",
    "charge_for",
    "estimate_batch_cost",
    "estimated_input_tokens",
    "priced_as_batch",
    "record",
    "track_cost",
    "usage_tokens",
]
