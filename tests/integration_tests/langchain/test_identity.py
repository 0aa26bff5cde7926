"""ChatKluster's identity in a traced call on the emulator (the identity and serialization
checks that send nothing are in ``tests/unit_tests/langchain/test_identity.py``)."""

from __future__ import annotations

from langchain_core.callbacks import BaseCallbackHandler

from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster


def test_trace_metadata_names_kluster(emulator: KlusterEmulator) -> None:
    seen: list[dict] = []

    class Recorder(BaseCallbackHandler):
        def on_chat_model_start(self, serialized, messages, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(kwargs.get("metadata") or {})

    ChatKluster().invoke("hi", config={"callbacks": [Recorder()]})
    assert seen[0]["ls_provider"] == "kluster"
