"""Warnings name the user's line, not a line inside the libraries."""

from __future__ import annotations

import warnings

from llama_index.core.llms import ChatMessage

from kluster_integrations.core.errors import UnsupportedParameterWarning
from kluster_integrations.llama_index.llms import KlusterLLM


def test_unsupported_parameter_warning_points_here(kluster_env):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        KlusterLLM().chat([ChatMessage(role="user", content="hi")], service_tier="flex")
    (warning,) = [w for w in caught if w.category is UnsupportedParameterWarning]
    assert warning.filename == __file__
