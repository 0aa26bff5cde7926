"""The rate-limit and answer-guard options of ``KlusterLLM`` and ``KlusterEmbedding``, as
fields.

They are checked and put to work by ``_connection`` (``core.transport``, then
``core.rate_limits``): the account's limiter bounds each HTTP request, retries included.

Example::

    KlusterLLM(tier="trial")                        # 30 requests/min, 20 at once per model
    KlusterLLM(requests_per_minute=600, max_concurrent_requests=5)
"""

from __future__ import annotations

from typing import Any

from llama_index.core.bridge.pydantic import BaseModel, Field


class RateLimitFields(BaseModel):
    """Mixed into the LlamaIndex classes (after the framework's class)."""

    requests_per_minute: int | None = Field(
        default=None,
        description="Request starts per minute and model for the whole account (API key and "
        "server), retries included; None: the live model list's limit, else the tier's.",
    )
    max_concurrent_requests: int | None = Field(
        default=None,
        description="Requests at once per model for the whole account; None: as above.",
    )
    tier: str | None = Field(
        default=None,
        description="The account's kluster.ai tier (core.contract.TIERS), whose published "
        "limits apply when nothing more precise is known.",
    )

    def __init__(self, **data: Any) -> None:
        # The framework's class (untyped) takes the other arguments; without this, type
        # checkers would see only these three fields in the classes' constructors.
        super().__init__(**data)


class GuardFields(BaseModel):
    """The answer guards' options (``core.transport``), mixed into the LlamaIndex classes."""

    deadline: float | None = Field(
        default=None,
        description="Seconds the whole call may take, retries included (None: "
        "the contract's default for non-streamed calls, no limit for streams).",
    )
    stream_idle_timeout: float | None = Field(
        default=None, description="Seconds a stream may go without a data event (None: timeout)."
    )
    max_response_bytes: int | None = Field(
        default=None, description="Cap on an answer's decoded size (None: the contract's default)."
    )

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
