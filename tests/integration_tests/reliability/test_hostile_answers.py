"""Every unusable answer becomes one typed error, on all eight chat paths: login pages,
JSON that is not a completion, broken event streams, error bodies that echo the key.

The emulator sends the hostile answers (``Fault(answer=...)``, see ``emulator.hostile``).
"""

from __future__ import annotations

import openai
import pytest

from kluster_integrations.core.errors import MalformedResponseError
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from tests.integration_tests.reliability.adapters import CHAT_CALLS, STREAMING_CALLS, ChatCall

WHOLE_CALLS = [call for call in CHAT_CALLS if not call.streams]
NOT_A_COMPLETION = [
    "html_page",
    "text_page",
    "json_list",
    "json_null",
    "no_choices",
    "empty_choices",
]


@pytest.mark.parametrize("answer", NOT_A_COMPLETION)
@pytest.mark.parametrize("call", WHOLE_CALLS, ids=str)
def test_answer_that_is_not_a_completion(
    call: ChatCall, answer: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer=answer)
    with pytest.raises(MalformedResponseError) as caught:
        call.run(max_retries=2)
    assert caught.value.status == 200
    if answer.endswith("_page"):  # named for what it is, before the SDK parses it
        assert caught.value.content_type.startswith("text/")
        assert "sign in" in caught.value.excerpt
    assert len(kluster_env.chat_requests()) == 1  # an unusable answer is not retried


@pytest.mark.parametrize("answer", ["html_page", "json_list"])
@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_stream_answered_without_events_blames_the_url(
    call: ChatCall, answer: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer=answer)
    with pytest.raises(MalformedResponseError) as caught:
        call.run(max_retries=2)
    assert "base URL" in str(caught.value) and "/v1" in str(caught.value)
    assert "Retry" not in str(caught.value)
    assert caught.value.content_type and caught.value.excerpt
    assert len(kluster_env.chat_requests()) == 1


@pytest.mark.parametrize("answer", ["bad_sse_json", "chunk_without_choices"])
@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_stream_with_unusable_event(
    call: ChatCall, answer: str, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer=answer)
    with pytest.raises(MalformedResponseError):
        call.run(max_retries=0)


@pytest.mark.parametrize("call", STREAMING_CALLS, ids=str)
def test_done_marker_with_extra_spaces_ends_the_stream(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer="spaced_done")
    assert call.run(max_retries=0) == "Hello."


@pytest.mark.parametrize("call", WHOLE_CALLS, ids=str)
def test_unusable_answer_that_echoes_the_key_is_masked(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer="echo_key_200")
    with pytest.raises(MalformedResponseError) as caught:
        call.run(max_retries=0)
    assert "Key *** may not" in str(caught.value)
    assert EMULATOR_API_KEY not in str(caught.value)


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_error_body_that_echoes_the_key_is_masked(
    call: ChatCall, kluster_env: KlusterEmulator
) -> None:
    kluster_env.add_fault(answer="echo_key_401")
    with pytest.raises(openai.AuthenticationError) as caught:
        call.run(max_retries=0)
    assert "Invalid API key: ***" in str(caught.value)
    assert EMULATOR_API_KEY not in str(caught.value)
    assert EMULATOR_API_KEY not in repr(caught.value.body)
    assert EMULATOR_API_KEY not in caught.value.response.text
