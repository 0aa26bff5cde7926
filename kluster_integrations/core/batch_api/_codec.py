"""``BatchCodec``: what an adapter hands the batch engine instead of its model class.

Each adapter's model builds one from its own request building and answer reading. The
engine (``submit_inputs``, ``asubmit_inputs``; ``attach`` with ``convert=result_from``)
calls ``request_for`` once per input, lazily as the batch file is written, and
``result_from`` once per answer body as results are collected. So neither the engine nor
an adapter's batch glue imports a model class: the model imports them, one way.

Example::

    codec = BatchCodec(
        request_for=lambda text: {"model": MODEL, "messages": [{"role": "user", "content": text}]},
        result_from=lambda body: body["choices"][0]["message"]["content"],
    )
    job = submit_inputs(client, ["Hi", "Bonjour"], codec)
    job.wait()
    job.results()                        # the two answers' texts, in input order
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kluster_integrations.core.errors import BatchInputError
from kluster_integrations.core.request import PreparedRequest


@dataclass(frozen=True)
class BatchCodec:
    """One adapter's batch requests and results: an input to the request body a real-time
    call would send, and an answer body to what a real-time call would return."""

    request_for: Callable[[Any], dict[str, Any]]
    result_from: Callable[[dict[str, Any]], Any]


def batch_body(prepared: PreparedRequest) -> dict[str, Any]:
    """The body of a batch line for ``prepared``; ``BatchInputError`` when its tools are in
    the prompt (each reply would need reading back as tool calls, one by one)."""
    if prepared.tools is not None:
        raise prompted_tools_error()
    return prepared.body


def prompted_tools_error() -> BatchInputError:
    """Why tools described in the prompt cannot go through the Batch API, and what to do."""
    return BatchInputError(
        "tools described in the prompt cannot go through the Batch API (the "
        "replies would need reading back as tool calls one by one)",
        "Use a kluster.ai tool model (native tools), or send these requests "
        "one at a time with .batch() / .invoke().",
    )
