"""Strict mode is ``strict_parameters``; ``strict=`` (the name the issues use for the mode)
is refused at construction with the right name, not sent on every call."""

from __future__ import annotations

import pytest

from kluster_integrations import InvalidRequestError, UnsupportedParameterError
from kluster_integrations.langchain.chat_models import ChatKluster


def test_strict_names_strict_parameters() -> None:
    with pytest.raises(InvalidRequestError, match="strict_parameters=True"):
        ChatKluster(api_key="k", strict=True)


def test_strict_parameters_is_strict_mode() -> None:
    with pytest.raises(UnsupportedParameterError):
        ChatKluster(api_key="k", strict_parameters=True, service_tier="flex")
