"""langchain-tests' standard integration suites for ChatKluster and KlusterEmbeddings, on the
emulator (the standard unit suites are in ``tests/unit_tests/langchain/test_standard_suites.py``).

Capabilities kluster.ai does not have are switched off with a property, and each test the
suite would then skip is listed in ``API_LIMITS`` with the API limit behind it; the
conftest turns those entries into skip markers carrying that reason. The tool tests run
here natively on the default model (a tool model); ``test_standard_tools_prompted.py`` runs
them through the prompt on a text-only model.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import (
    ChatModelIntegrationTests,
    EmbeddingsIntegrationTests,
)

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from tests.chat_kluster_capabilities import ChatKlusterCapabilities

_NO_IMAGE_TOOL_RESULTS = (
    "API limit: kluster.ai's tool models are text-only, and a tool "
    "message carries text; images and PDFs in tool results have no "
    "model to go to."
)
_NO_FILES = (
    "API limit: kluster.ai's chat API takes text and, on vision models, images; it "
    "documents no {what} content."
)

#: Standard tests the suite skips for a missing capability, with the API limit behind each
#: (applied as skip markers by tests/integration_tests/langchain/conftest.py).
API_LIMITS = {
    "test_image_tool_message": _NO_IMAGE_TOOL_RESULTS,
    "test_pdf_tool_message": _NO_IMAGE_TOOL_RESULTS,
    "test_pdf_inputs": _NO_FILES.format(what="PDF/file"),
    "test_audio_inputs": _NO_FILES.format(what="audio"),
    "test_image_inputs": (
        "API limit: the default model "
        f"{DEFAULT_CHAT_MODEL} is text-only; images need a kluster.ai "
        "vision model, and the test downloads its image from the internet."
    ),
    "test_anthropic_inputs": (
        "API limit: kluster.ai speaks the OpenAI chat-completions "
        "format, not Anthropic content blocks."
    ),
    "test_stream_time": (
        "Not an API feature: a benchmark over recorded VCR cassettes; here "
        "every call goes to the emulator instead of a cassette."
    ),
}


@pytest.mark.usefixtures("kluster_env")
class TestChatKlusterIntegration(ChatKlusterCapabilities, ChatModelIntegrationTests):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": DEFAULT_CHAT_MODEL}

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supported_usage_metadata_details(self) -> dict[str, list]:
        # kluster.ai responses carry no usage.*_tokens_details (openai-compatibility.md).
        return {"invoke": [], "stream": []}


@pytest.mark.usefixtures("kluster_env")
class TestKlusterEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[KlusterEmbeddings]:
        return KlusterEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": DEFAULT_EMBEDDING_MODEL}


def test_emulator_fixture_is_used(kluster_env: KlusterEmulator) -> None:
    KlusterEmbeddings().embed_query("hello")
    assert kluster_env.embedding_requests()
