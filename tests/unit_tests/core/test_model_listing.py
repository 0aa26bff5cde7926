"""Entries of the live model list (``GET /v1/models?extended=true``) are validated field by
field: a value that cannot be right is dropped with one ``ModelListingWarning`` per model and
the built-in value stays; an answer that is not a model list is ``MalformedResponseError``.
For a model it describes, the live list is the truth: it removes capabilities too."""

from __future__ import annotations

from typing import Any

import pytest

from kluster_integrations.core.contract import (
    FALLBACK_CONTEXT_WINDOW,
    FALLBACK_MAX_OUTPUT,
    KNOWN_MODELS,
)
from kluster_integrations.core.errors import MalformedResponseError, ModelListingWarning
from kluster_integrations.core.models import listed_models, model_from_listing
from kluster_integrations.emulator._hostile import KEY_ECHOES

GEMMA = "google/gemma-3-27b-it"
TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
REASONING_MODEL = "deepseek-ai/DeepSeek-R1-0528"

BAD_VALUES: list[tuple[str, Any]] = [
    ("context_length", -5),
    ("context_length", 0),
    ("context_length", 1.5),
    ("context_length", "131072"),
    ("context_length", True),
    ("context_length", 10**15),
    ("output_length", -1),
    ("output_length", [8192]),
    ("tags", "tools"),
    ("tags", ["vision", 3]),
    ("tags", {"vision": True}),
    ("tools_supported", "maybe"),
    ("tools_supported", 1),
    ("reasoning_model", "sometimes"),
    ("model_purpose", 7),
    ("model_purpose", ""),
]


def only_warning(caught: pytest.WarningsRecorder) -> ModelListingWarning:
    (record,) = caught
    assert isinstance(record.message, ModelListingWarning)
    return record.message


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=lambda v: repr(v)[:20])
def test_a_bad_value_is_dropped_and_the_built_in_one_stays(field: str, value: Any) -> None:
    with pytest.warns(ModelListingWarning) as caught:
        info = model_from_listing({"id": GEMMA, field: value})
    assert info == KNOWN_MODELS[GEMMA]
    warning = only_warning(caught)
    assert (warning.model, warning.fields) == (GEMMA, (field,))
    assert GEMMA in str(warning) and field in str(warning)


def test_several_bad_values_make_one_warning_naming_each() -> None:
    with pytest.warns(ModelListingWarning) as caught:
        info = model_from_listing(
            {"id": GEMMA, "context_length": -5, "tags": "tools", "output_length": 4096}
        )
    assert info.context_window == KNOWN_MODELS[GEMMA].context_window
    assert info.max_output_tokens == 4096  # the valid field of the same entry is used
    assert info.capabilities == KNOWN_MODELS[GEMMA].capabilities  # not {"t", "o", "l", "s"}
    assert only_warning(caught).fields == ("context_length", "tags")


def test_bad_values_of_a_model_the_package_does_not_know_fall_back_to_the_defaults() -> None:
    with pytest.warns(ModelListingWarning):
        info = model_from_listing({"id": "new/model", "context_length": -1, "output_length": 0})
    assert (info.context_window, info.max_output_tokens) == (
        FALLBACK_CONTEXT_WINDOW,
        FALLBACK_MAX_OUTPUT,
    )


def test_whole_numbers_written_as_floats_are_accepted() -> None:
    info = model_from_listing({"id": GEMMA, "context_length": 50_000.0})
    assert info.context_window == 50_000 and type(info.context_window) is int


@pytest.mark.parametrize(
    ("entry", "lost"),
    [
        ({"id": TOOL_MODEL, "tools_supported": False}, "tools"),
        ({"id": TOOL_MODEL, "tools_supported": "no"}, "tools"),
        ({"id": GEMMA, "tags": []}, "vision"),
        ({"id": REASONING_MODEL, "reasoning_model": "no"}, "reasoning"),
    ],
    ids=["tools", "tools-no", "vision", "reasoning"],
)
def test_the_live_entry_removes_a_capability_it_does_not_list(
    entry: dict[str, Any], lost: str
) -> None:
    model_id = entry["id"]
    assert lost in KNOWN_MODELS[model_id].capabilities
    assert model_from_listing(entry).capabilities == KNOWN_MODELS[model_id].capabilities - {lost}


def test_a_field_the_entry_does_not_have_keeps_the_built_in_capabilities() -> None:
    assert model_from_listing({"id": TOOL_MODEL, "tags": ["fine-tunable"]}).supports("tools")
    assert model_from_listing({"id": GEMMA, "tools_supported": False}).supports("vision")


def test_a_value_in_the_warning_is_cut_short() -> None:
    with pytest.warns(ModelListingWarning) as caught:
        model_from_listing({"id": GEMMA, "model_purpose": 12345, "tags": "x" * 1_000_000})
    assert len(str(only_warning(caught))) < 1_000


@pytest.mark.parametrize(
    "answer",
    [None, [1, 2, 3], "<html>", {"object": "list"}, {"data": {"id": GEMMA}}, {"data": "x"}],
    ids=["null", "list", "text", "no-data", "data-object", "data-text"],
)
def test_an_answer_that_is_not_a_model_list_is_a_typed_error(answer: Any) -> None:
    with pytest.raises(MalformedResponseError, match="model list"):
        listed_models(answer)


def test_entries_that_describe_no_model_are_skipped_with_a_warning_each() -> None:
    answer = {"data": [1, None, {"object": "model"}, {"id": ""}, {"id": GEMMA}]}
    with pytest.warns(ModelListingWarning) as caught:
        listed = listed_models(answer)
    assert [entry.id for entry in listed] == [GEMMA]
    assert [w.message.model for w in caught] == [  # type: ignore[union-attr]
        "entry 0",
        "entry 1",
        "entry 2",
        "entry 3",
    ]


def test_an_entry_without_an_id_is_a_typed_error_on_its_own() -> None:
    with pytest.raises(MalformedResponseError, match="id"):
        model_from_listing({"context_length": 5})


@pytest.mark.parametrize("form", ["raw", *KEY_ECHOES])
def test_a_model_id_echoing_the_key_is_masked_in_the_warning(form: str) -> None:
    key = "kl/SECRET+5f0e=1d2c3b4a9e8d7c6b"
    echoed = key if form == "raw" else KEY_ECHOES[form](key)
    answer = {"data": [{"id": f"model.{echoed}", "context_length": -5}]}
    with pytest.warns(ModelListingWarning) as caught:
        listed_models(answer, key=key)
    warning = only_warning(caught)
    assert warning.model == "model.***"
    for shown in (str(warning), repr(warning), repr(warning.args), warning.model):
        assert key not in shown and echoed not in shown
