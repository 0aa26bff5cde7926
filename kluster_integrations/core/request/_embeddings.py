"""What kluster.ai's embeddings endpoint takes, checked before anything is sent.

``dimensions`` is always an error rather than a silent drop: the caller would get
1024-dimensional vectors where they asked for another size, and a vector store built for
that size would break later and further from the cause.

Example::

    >>> check_embedding_parameters({"encoding_format": "float"})
    >>> check_batch_size(4096)
    Traceback (most recent call last):
    ...
    kluster_integrations.core.errors.InvalidRequestError: Invalid kluster.ai request; ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kluster_integrations.core.contract import (
    EMBEDDING_MAX_INPUTS,
    UNSUPPORTED_EMBEDDING_PARAMETERS,
)
from kluster_integrations.core.errors import InvalidRequestError, UnsupportedParameterError


def check_embedding_parameters(params: Mapping[str, Any]) -> None:
    """Raise ``UnsupportedParameterError`` for parameters the endpoint refuses."""
    problems = {
        name: f"{rule.reason} {rule.fix}"
        for name, rule in UNSUPPORTED_EMBEDDING_PARAMETERS.items()
        if params.get(name) not in rule.neutral
    }
    if problems:
        raise UnsupportedParameterError(problems, remedy="Remove them before embedding.")


def without_refused_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` after ``check_embedding_parameters``, minus the neutral refused keys."""
    check_embedding_parameters(params)
    return {k: v for k, v in params.items() if k not in UNSUPPORTED_EMBEDDING_PARAMETERS}


def check_batch_size(size: int | None, name: str = "batch size") -> None:
    """Raise ``InvalidRequestError`` unless ``size`` texts fit in one request."""
    if size is not None and (
        isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= EMBEDDING_MAX_INPUTS
    ):
        raise InvalidRequestError(
            [
                f"`{name}`={size!r}: kluster.ai embeds 1 to {EMBEDDING_MAX_INPUTS} texts per "
                "request; pick a value in that range."
            ]
        )
