"""``BatchCodec``: what an adapter hands the batch engine instead of its model class.

Each adapter's model builds one from its own request building and answer reading. The
engine (``submit_inputs``, ``asubmit_inputs``; ``attach`` with ``convert=result_from``)
calls ``request_for`` once per input, lazily as the batch file is written, and
``result_from`` once per answer body (with its request's ``custom_id``, which the result
carries where the framework has room for it) as results are collected. So neither the
engine nor an adapter's batch glue imports a model class: the model imports them, one way.

Example::

    codec = BatchCodec(
        request_for=lambda text: {"model": MODEL, "messages": [{"role": "user", "content": text}]},
        result_from=lambda body, custom_id: body["choices"][0]["message"]["content"],
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
    call would send, and an answer body (with its request's ``custom_id``) to what a
    real-time call would return."""

    request_for: Callable[[Any], dict[str, Any]]
    result_from: Callable[[dict[str, Any], str], Any]


def batch_body(prepared: PreparedRequest) -> dict[str, Any]:
    """The body of a batch line for ``prepared``; ``BatchInputError`` when its tools are in
    the prompt (each reply would need reading back as tool calls, one by one) or it has a
    ``response_format`` (each reply would need checking against its schema)."""
    if prepared.answer_schema is not None:
        raise BatchInputError(
            "a response_format cannot go through the Batch API (kluster.ai has no JSON "
            "mode: each reply would need checking against the schema, one by one)",
            "Describe the JSON in the prompt (LangChain's submit_batch(schema=...) does "
            "this and parses each result), or send these requests one at a time.",
        )
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
