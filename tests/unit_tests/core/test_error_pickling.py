"""Errors cross process boundaries (multiprocessing, Celery, LangChain's process pools) by
pickle: each comes back as the same class with the same message and attributes, whatever
arguments its constructor takes."""

from __future__ import annotations

import pickle

import pytest

from kluster_integrations.core.errors import (
    BatchStatusUnavailableError,
    BatchTimeoutError,
    DeadlineExceededError,
    KlusterError,
    MissingAPIKeyError,
    StreamIdleTimeoutError,
)

ERRORS = [
    DeadlineExceededError(5.0),
    StreamIdleTimeoutError(3.0),
    BatchTimeoutError("batch_1", 2.0, "in_progress", last_error="HTTP 429"),
    BatchStatusUnavailableError("batch_1", 4, 900.0, "HTTP 503"),
    MissingAPIKeyError("KLUSTER_API_KEY"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_an_error_survives_pickle(error: KlusterError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error) and back.args == error.args
    assert vars(back) == vars(error)


def test_batch_item_errors_survive_pickle_with_their_fields() -> None:
    from kluster_integrations.core.errors import BatchItemError, BatchOutputLineError

    for error in (
        BatchItemError("a", 0, "boom", status_code=500, code="server_error", body={"x": 1}),
        BatchOutputLineError("b", 1, "missing", code="missing_line"),
    ):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and vars(back) == vars(error) and str(back) == str(error)
