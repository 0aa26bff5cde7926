"""Each entry point exports exactly these names: adding, removing or renaming one is an API
change, made here on purpose (and in README.md and docs/), never by accident."""

from __future__ import annotations

import importlib

import pytest

CORE = [
    "AdaptiveInferenceQueuedError",
    "BaseURLWarning",
    "BatchDownloadError",
    "BatchError",
    "BatchFileIdError",
    "BatchFileTooLargeError",
    "BatchInputError",
    "BatchItemError",
    "BatchNotFinishedError",
    "BatchNotFoundError",
    "BatchOutputError",
    "BatchOutputLineError",
    "BatchResultsError",
    "BatchStatus",
    "BatchStatusUnavailableError",
    "BatchTimeoutError",
    "Change",
    "ConfigurationError",
    "DEFAULT_BASE_URL",
    "DeadlineExceededError",
    "EmbeddingMismatchError",
    "EmptyAPIKeyError",
    "ImageInputNotSupportedError",
    "InvalidAPIKeyError",
    "InvalidReasoningModeError",
    "InvalidRequestError",
    "InvalidToolCallError",
    "InvalidToolError",
    "KNOWN_MODELS",
    "KlusterBatch",
    "KlusterError",
    "KlusterTimeoutError",
    "KlusterWarning",
    "MalformedResponseError",
    "MissingAPIKeyError",
    "ModelInfo",
    "ModelListingWarning",
    "RequestRefusedError",
    "ResponseError",
    "ResponseTooLargeError",
    "SanitizedRequest",
    "StreamIdleTimeoutError",
    "StreamInterruptedError",
    "StructuredOutputError",
    "ToolCallRequiredError",
    "ToolCallingNotSupportedError",
    "UnknownModelWarning",
    "UnsupportedContentEncodingError",
    "UnsupportedParameterError",
    "UnsupportedParameterWarning",
    "WrongModelPurposeError",
    "lookup_model",
    "sanitize_request",
]

PUBLIC_NAMES = {
    "kluster_integrations": [*CORE, "__version__"],
    "kluster_integrations.core": CORE,
    "kluster_integrations.langchain": [
        "ChatKluster",
        "ImageInputNotSupportedError",
        "InvalidToolError",
        "KlusterBatch",
        "KlusterEmbeddings",
        "MissingAPIKeyError",
        "StructuredOutputError",
        "StructuredOutputParseError",
        "ToolCallRequiredError",
        "ToolCallingNotSupportedError",
        "UnsupportedParameterError",
    ],
    "kluster_integrations.llama_index": [
        "KlusterBatch",
        "KlusterEmbedding",
        "KlusterLLM",
        "SchemaOutputParser",
        "UnknownModelWarning",
    ],
    "kluster_integrations.emulator": [
        "EMULATOR_API_KEY",
        "EmulatorState",
        "Fault",
        "KlusterEmulator",
        "RecordedRequest",
        "Settings",
    ],
    "kluster_integrations.probe": [
        "PROBE_MODEL",
        "Check",
        "Probe",
        "ProbeAborted",
        "ProbeReport",
        "plan",
        "run_probe",
    ],
}


@pytest.mark.parametrize("module_name", sorted(PUBLIC_NAMES))
def test_exports_exactly_the_pinned_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert sorted(module.__all__) == sorted(PUBLIC_NAMES[module_name])
    assert len(set(module.__all__)) == len(module.__all__), "a name is listed twice"


@pytest.mark.parametrize("module_name", sorted(PUBLIC_NAMES))
def test_star_import_gives_every_pinned_name(module_name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {module_name} import *", namespace)
    namespace.pop("__builtins__")
    assert sorted(namespace) == sorted(PUBLIC_NAMES[module_name])


def test_every_error_and_warning_is_exported_from_the_top() -> None:
    import kluster_integrations
    from kluster_integrations.core import errors

    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__ == errors.__name__
    }
    assert defined <= set(kluster_integrations.__all__)
