from __future__ import annotations

import logging
import warnings

import pytest

from kluster_integrations.core.errors import (
    InvalidRequestError,
    UnsupportedParameterError,
    UnsupportedParameterWarning,
)
from kluster_integrations.core.request import RequestPreparer

REQUEST = {
    "model": "m",
    "messages": [{"role": "user", "content": "secret text"}],
    "service_tier": "flex",
    "max_tokens": 9,
}


def test_warns_once_per_parameter_per_preparer():
    preparer = RequestPreparer()
    with pytest.warns(UnsupportedParameterWarning, match="service_tier"):
        first = preparer.sanitize(REQUEST, user_chosen={"service_tier"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = preparer.sanitize(REQUEST, user_chosen={"service_tier"})
    assert (
        first
        == second
        == {"model": "m", "messages": REQUEST["messages"], "max_completion_tokens": 9}
    )
    with pytest.warns(UnsupportedParameterWarning):
        RequestPreparer().sanitize(REQUEST, user_chosen={"service_tier"})


def test_strict_raises_every_time():
    preparer = RequestPreparer()
    for _ in range(2):
        with pytest.raises(UnsupportedParameterError, match="service_tier"):
            preparer.sanitize(REQUEST, user_chosen={"service_tier"}, strict=True)


def test_injected_parameters_pass_silently_even_when_strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RequestPreparer().sanitize(REQUEST, strict=True)


def test_bad_values_raise_after_cleaning():
    with pytest.raises(InvalidRequestError, match="positive integer"):
        RequestPreparer().sanitize({**REQUEST, "max_tokens": -1})


def test_changes_are_logged_without_values(caplog):
    with caplog.at_level(logging.DEBUG, logger="kluster_integrations"):
        RequestPreparer().sanitize(REQUEST)
    text = caplog.text
    assert "service_tier: dropped" in text and "max_tokens: renamed" in text
    assert "flex" not in text and "secret text" not in text


def test_refuse_unsupported_checks_configured_parameters():
    from kluster_integrations.core.request import refuse_unsupported

    refuse_unsupported({"temperature": 0.2, "n": 1, "extra_body": {"top_k": 5}})
    with pytest.raises(UnsupportedParameterError) as info:
        refuse_unsupported({"store": True, "extra_body": {"tools": [{"x": 1}]}})
    assert set(info.value.parameters) == {"store", "extra_body.tools"}


def test_preparer_survives_copy_and_pickle():
    import copy
    import pickle

    preparer = RequestPreparer()
    with pytest.warns(UnsupportedParameterWarning):
        preparer.sanitize(REQUEST, user_chosen={"service_tier"})
    for clone in (copy.deepcopy(preparer), pickle.loads(pickle.dumps(preparer))):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clone.sanitize(REQUEST, user_chosen={"service_tier"})
