"""Random LlamaIndex histories and parameters through KlusterLLM, over HTTP to the emulator:
nothing the contract refuses reaches the wire, and the caller's objects stay as they were."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import warnings
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llama_index.core.llms import ChatMessage

from kluster_integrations.core.errors import ResponseFormatError, UnsupportedParameterWarning
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM
from tests.integration_tests.reliability.fuzz_strategies import (
    call_ids,
    names,
    request_kwargs,
    short_text,
    tool_args,
)

openai_tool_calls = st.lists(
    st.builds(
        lambda name, args, id_: {
            "id": id_,
            "type": "function",
            "function": {"name": name, "arguments": str(args)},
        },
        names,
        tool_args,
        call_ids,
    ),
    min_size=1,
    max_size=2,
)
extras = st.fixed_dictionaries(
    {}, optional={"name": names, "tool_calls": openai_tool_calls, "tool_call_id": call_ids}
)
messages = st.builds(
    ChatMessage,
    role=st.sampled_from(["system", "user", "assistant", "tool", "function"]),
    content=short_text,
    additional_kwargs=extras,
)
histories = st.lists(messages, min_size=1, max_size=6)


def send(llm: KlusterLLM, how: str, history: list[ChatMessage], kwargs: dict[str, Any]) -> str:
    if how == "chat":
        return str(llm.chat(history, **kwargs).message.content)
    if how == "stream_chat":
        return "".join(r.delta or "" for r in llm.stream_chat(history, **kwargs))
    return str(asyncio.run(llm.achat(history, **kwargs)).message.content)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    history=histories,
    call_kwargs=request_kwargs(),
    additional_kwargs=request_kwargs(),
    how=st.sampled_from(["chat", "stream_chat", "achat"]),
)
def test_random_requests_reach_the_wire_clean(
    kluster_env: KlusterEmulator,
    history: list[ChatMessage],
    call_kwargs: dict[str, Any],
    additional_kwargs: dict[str, Any],
    how: str,
) -> None:
    expected = copy.deepcopy((history, call_kwargs, additional_kwargs))
    seen = len(kluster_env.chat_requests())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsupportedParameterWarning)
        llm = KlusterLLM(max_retries=0, additional_kwargs=additional_kwargs)
        # A response_format is emulated: a reply cut short by a tiny max_tokens fails it.
        with contextlib.suppress(ResponseFormatError):
            send(llm, how, history, call_kwargs)  # an emulator 400 would raise BadRequestError
    sent = kluster_env.chat_requests()[seen:]
    assert len(sent) == 1
    assert contract_violations(sent[0]) == [], sent[0]
    assert (history, call_kwargs, additional_kwargs) == expected
