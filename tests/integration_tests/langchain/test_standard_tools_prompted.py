"""langchain-tests' integration suite on a text-only model, where tools go through the prompt.

``mistralai/Mistral-Nemo-Instruct-2407`` takes no ``tools`` on kluster.ai, so in
``tool_calling="auto"`` ChatKluster writes the tools into the system prompt and reads the
calls back (``core.tools``); the emulator follows the same protocol. The suite's
tool-calling tests run unchanged; the tests listed in ``API_LIMITS`` are skipped with the
reason (tests/integration_tests/langchain/conftest.py applies them).
"""

from __future__ import annotations

from typing import Any

import pytest

from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from tests.integration_tests.langchain import test_standard_suites as native

TEXT_ONLY_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"

API_LIMITS = {
    **native.API_LIMITS,
    "test_image_inputs": f"API limit: {TEXT_ONLY_MODEL} is text-only; kluster.ai refuses images "
    "on it (ImageInputNotSupportedError before sending).",
}


@pytest.mark.usefixtures("kluster_env")
class TestChatKlusterPromptedToolsIntegration(native.TestChatKlusterIntegration):
    """The native suite's settings, on a text-only model."""

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": TEXT_ONLY_MODEL}

    @property
    def model_override_value(self) -> str:
        return "mistralai/Mistral-Small-24B-Instruct-2501"  # also text-only


def test_no_tools_reach_the_wire(kluster_env: KlusterEmulator) -> None:
    """The suite's own tests assert on results; this one checks the wire for the same path."""
    from langchain_core.tools import tool

    @tool
    def magic_function(input: int) -> int:
        """Apply a magic function to an input."""
        return input + 2

    message = (
        ChatKluster(model=TEXT_ONLY_MODEL)
        .bind_tools([magic_function], tool_choice="any")
        .invoke("What is magic_function(3)? Use the tool.")
    )
    assert message.tool_calls[0]["args"] == {"input": 3}
    (body,) = kluster_env.chat_requests()
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & set(body)
    assert "magic_function" in body["messages"][0]["content"]
