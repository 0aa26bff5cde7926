from __future__ import annotations

import pytest

from kluster_integrations.core.contract import EMBEDDING_MAX_INPUTS
from kluster_integrations.core.errors import InvalidRequestError, UnsupportedParameterError
from kluster_integrations.core.request import (
    check_batch_size,
    check_embedding_parameters,
    without_refused_parameters,
)


def test_dimensions_is_an_error_naming_the_fix():
    with pytest.raises(UnsupportedParameterError) as info:
        check_embedding_parameters({"dimensions": 256})
    assert info.value.parameters == ("dimensions",)
    assert "1024" in str(info.value)


def test_neutral_dimensions_is_removed_quietly():
    assert without_refused_parameters({"dimensions": None, "encoding_format": "float"}) == {
        "encoding_format": "float"
    }


@pytest.mark.parametrize("size", [0, -1, EMBEDDING_MAX_INPUTS + 1, 2.5, True])
def test_batch_sizes_outside_the_limit(size):
    with pytest.raises(InvalidRequestError, match="1 to 2048"):
        check_batch_size(size)


@pytest.mark.parametrize("size", [None, 1, EMBEDDING_MAX_INPUTS])
def test_batch_sizes_inside_the_limit(size):
    check_batch_size(size)
