"""Random LangChain histories and parameters through ChatKluster, over HTTP to the emulator:
nothing the contract refuses reaches the wire, and the caller's objects stay as they were."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import warnings
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from kluster_integrations.core.errors import ResponseFormatError, UnsupportedParameterWarning
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from tests.integration_tests.reliability.fuzz_strategies import (
    call_ids,
    names,
    request_kwargs,
    short_text,
    tool_args,
)

tool_calls = st.lists(
    st.builds(
        lambda name, args, id_: {"name": name, "args": args, "id": id_}, names, tool_args, call_ids
    ),
    max_size=2,
)
messages = st.one_of(
    st.builds(SystemMessage, content=short_text, name=st.none() | names),
    st.builds(HumanMessage, content=short_text, name=st.none() | names),
    st.builds(AIMessage, content=short_text, name=st.none() | names, tool_calls=tool_calls),
    st.builds(ToolMessage, content=short_text, tool_call_id=call_ids, name=st.none() | names),
)
histories = st.lists(messages, min_size=1, max_size=6)


def send(llm: ChatKluster, how: str, history: list[BaseMessage], kwargs: dict[str, Any]) -> str:
    if how == "invoke":
        return llm.invoke(history, **kwargs).text
    if how == "stream":
        return "".join(chunk.text for chunk in llm.stream(history, **kwargs))
    return asyncio.run(llm.ainvoke(history, **kwargs)).text


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    history=histories,
    call_kwargs=request_kwargs(),
    model_kwargs=request_kwargs(),
    how=st.sampled_from(["invoke", "stream", "ainvoke"]),
)
def test_random_requests_reach_the_wire_clean(
    kluster_env: KlusterEmulator,
    history: list[BaseMessage],
    call_kwargs: dict[str, Any],
    model_kwargs: dict[str, Any],
    how: str,
) -> None:
    model_kwargs.pop("max_tokens", None)  # a field of its own, not a model_kwargs entry
    expected = copy.deepcopy((history, call_kwargs, model_kwargs))
    seen = len(kluster_env.chat_requests())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsupportedParameterWarning)
        warnings.filterwarnings("ignore", "Parameters .* should be specified explicitly")
        llm = ChatKluster(max_retries=0, model_kwargs=model_kwargs)
        # A response_format is emulated: a reply cut short by a tiny max_tokens fails it.
        with contextlib.suppress(ResponseFormatError):
            send(llm, how, history, call_kwargs)  # an emulator 400 would raise BadRequestError
    sent = kluster_env.chat_requests()[seen:]
    assert sent
    for body in sent:
        assert contract_violations(body) == [], body
    assert (history, call_kwargs, model_kwargs) == expected
