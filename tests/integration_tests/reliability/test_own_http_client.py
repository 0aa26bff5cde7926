"""A caller's own ``http_client`` keeps the guards when it wraps its transport in
``GuardedTransport`` (as docs/troubleshooting.md shows), and without them unusable answers are
still typed errors (the answer checks run above the HTTP client)."""

from __future__ import annotations

import httpx
import openai
import pytest

from kluster_integrations.core.errors import DeadlineExceededError, MalformedResponseError
from kluster_integrations.core.transport import GuardedTransport, GuardOptions
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster


def own_client(**options: float) -> httpx.Client:
    transport = GuardedTransport(httpx.HTTPTransport(), GuardOptions(**options))
    return openai.DefaultHttpxClient(transport=transport)


def test_own_guarded_client_stops_a_dripped_body(kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(answer="drip")
    llm = ChatKluster(http_client=own_client(deadline=1.0), timeout=5, max_retries=0)
    with pytest.raises(DeadlineExceededError):
        llm.invoke("hi")


@pytest.mark.parametrize("guarded", [True, False], ids=["guarded", "plain"])
def test_login_page_is_a_typed_error_with_an_own_client(
    kluster_env: KlusterEmulator, guarded: bool
) -> None:
    kluster_env.add_fault(answer="html_page")
    client = own_client() if guarded else openai.DefaultHttpxClient()
    with pytest.raises(MalformedResponseError):
        ChatKluster(http_client=client, max_retries=0).invoke("hi")
