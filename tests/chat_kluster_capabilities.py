"""What langchain-tests' standard suites are told about ChatKluster, shared by the unit suite
(``tests/unit_tests/langchain/test_standard_suites.py``) and the integration suite
(``tests/integration_tests/langchain/test_standard_suites.py``)."""

from __future__ import annotations

from kluster_integrations.langchain.chat_models import ChatKluster

OTHER_MODEL = "deepseek-ai/DeepSeek-V3-0324"


class ChatKlusterCapabilities:
    """What both standard suites are told about ChatKluster."""

    @property
    def chat_model_class(self) -> type[ChatKluster]:
        return ChatKluster

    @property
    def has_tool_calling(self) -> bool:
        return True  # native on the default model, a tool model (prompted: a sibling module)

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return OTHER_MODEL
