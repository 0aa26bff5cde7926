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


@dataclass(frozen=True)
class BatchCodec:
    """One adapter's batch requests and results: an input to the request body a real-time
    call would send, and an answer body to what a real-time call would return."""

    request_for: Callable[[Any], dict[str, Any]]
    result_from: Callable[[dict[str, Any]], Any]
