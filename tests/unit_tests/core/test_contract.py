"""The contract data matches the documented list (kluster-ai/docs openai-compatibility.md)."""

from __future__ import annotations

import subprocess
import sys

from kluster_integrations.core.contract import (
    ABSENT_RESPONSE_FIELDS,
    RENAMED_PARAMETERS,
    UNSUPPORTED_MESSAGE_FIELDS,
    UNSUPPORTED_PARAMETERS,
    forbidden_message_fields,
)


def test_documented_request_parameters():
    assert set(UNSUPPORTED_PARAMETERS) == {
        "store",
        "n",
        "modalities",
        "response_format",
        "service_tier",
        "stream_options",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "functions",
        "function_call",
    }
    assert RENAMED_PARAMETERS["max_tokens"].replacement == "max_completion_tokens"


def test_documented_message_fields_per_role():
    assert forbidden_message_fields("system") == ["name"]
    assert forbidden_message_fields("user") == ["name"]
    assert sorted(forbidden_message_fields("assistant")) == [
        "audio",
        "function_call",
        "name",
        "refusal",
        "tool_calls",
    ]
    assert set(UNSUPPORTED_MESSAGE_FIELDS) == {
        "name",
        "refusal",
        "audio",
        "tool_calls",
        "function_call",
    }


def test_documented_absent_response_fields():
    assert set(ABSENT_RESPONSE_FIELDS) == {
        "system_fingerprint",
        "usage.completion_tokens_details",
        "usage.prompt_tokens_details",
    }


def test_every_rule_says_why_and_what_to_do():
    for rule in UNSUPPORTED_PARAMETERS.values():
        assert rule.reason.endswith(".") and rule.fix.endswith(".")
        assert None in rule.neutral


def test_importing_the_package_imports_no_framework():
    code = (
        "import sys, kluster_integrations, kluster_integrations.core, "
        "kluster_integrations.emulator;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('langchain_core', 'langchain_openai', 'llama_index')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
