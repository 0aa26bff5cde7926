from __future__ import annotations

import logging
import warnings

import pytest

from kluster_integrations.core.errors import InvalidRequestError, UnsupportedParameterError
from kluster_integrations.core.gate import RequestGate
from kluster_integrations.core.sanitizer import UnsupportedParameterWarning

REQUEST = {"model": "m", "messages": [{"role": "user", "content": "secret text"}],
           "service_tier": "flex", "max_tokens": 9}


def test_warns_once_per_parameter_per_gate():
    gate = RequestGate()
    with pytest.warns(UnsupportedParameterWarning, match="service_tier"):
        first = gate.prepare(REQUEST, explicit={"service_tier"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = gate.prepare(REQUEST, explicit={"service_tier"})
    assert first == second == {"model": "m", "messages": REQUEST["messages"],
                               "max_completion_tokens": 9}
    with pytest.warns(UnsupportedParameterWarning):
        RequestGate().prepare(REQUEST, explicit={"service_tier"})


def test_strict_raises_every_time():
    gate = RequestGate()
    for _ in range(2):
        with pytest.raises(UnsupportedParameterError, match="service_tier"):
            gate.prepare(REQUEST, explicit={"service_tier"}, strict=True)


def test_injected_parameters_pass_silently_even_when_strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RequestGate().prepare(REQUEST, strict=True)


def test_bad_values_raise_after_cleaning():
    with pytest.raises(InvalidRequestError, match="positive integer"):
        RequestGate().prepare({**REQUEST, "max_tokens": -1})


def test_changes_are_logged_without_values(caplog):
    with caplog.at_level(logging.DEBUG, logger="kluster_integrations"):
        RequestGate().prepare(REQUEST)
    text = caplog.text
    assert "service_tier: dropped" in text and "max_tokens: renamed" in text
    assert "flex" not in text and "secret text" not in text
