"""A server that stops answering makes every path raise; nothing hangs.

The per-test ``timeout`` marker is the hang guard (pytest-timeout fails a test that hangs);
no assertion is made on how long anything took.
"""

from __future__ import annotations

import httpx
import openai
import pytest

from kluster_integrations.core.errors import StreamInterruptedError
from kluster_integrations.emulator._server import KlusterEmulator
from tests.integration_tests.reliability.adapters import CHAT_CALLS, STREAMING_CALLS, ChatCall

CLIENT_TIMEOUT = 0.3
SERVER_STALL = 3.0

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_no_answer_raises_a_timeout(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(delay=SERVER_STALL)
    with pytest.raises(openai.APITimeoutError):
        call.run(max_retries=0, timeout=CLIENT_TIMEOUT)
    assert len(kluster_env.chat_requests()) == 1


@pytest.mark.parametrize("call", [CHAT_CALLS[1], CHAT_CALLS[4]], ids=str)
def test_timeouts_are_retried_up_to_max_retries(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(delay=SERVER_STALL, times=5)
    with pytest.raises(openai.APITimeoutError):
        call.run(max_retries=1, timeout=CLIENT_TIMEOUT)
    assert len(kluster_env.chat_requests()) == 2


@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_a_stream_that_stalls_mid_way_raises(call: ChatCall, kluster_env: KlusterEmulator) -> None:
    kluster_env.settings.chunk_delay = SERVER_STALL
    with pytest.raises(StreamInterruptedError) as caught:
        call.run(max_retries=0, timeout=CLIENT_TIMEOUT)
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)
