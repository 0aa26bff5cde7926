"""Every KlusterLLM call path, checked on the emulator's request log."""

from __future__ import annotations

import pytest
from llama_index.core.llms import ChatMessage

from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.llama_index.llms import KlusterLLM

from .conftest import assert_contract_kept

MESSAGES = [
    ChatMessage(role="system", content="Be brief."),
    ChatMessage(role="user", content="Name a kluster.ai model."),
]


def _check_one_request(emulator: KlusterEmulator, *, stream: bool) -> dict:
    bodies = emulator.chat_requests()
    assert len(bodies) == 1
    body = bodies[0]
    assert body["stream"] is stream
    assert body["max_completion_tokens"] == 64
    assert_contract_kept(emulator)
    return body


def test_complete(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("Llama 3.3 70B.")
    assert llm.complete("Name a kluster.ai model.").text == "Llama 3.3 70B."
    body = _check_one_request(kluster_env, stream=False)
    assert body["messages"] == [{"role": "user", "content": "Name a kluster.ai model."}]


def test_chat(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("Llama 3.3 70B.")
    assert llm.chat(MESSAGES).message.content == "Llama 3.3 70B."
    body = _check_one_request(kluster_env, stream=False)
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def test_stream_chat(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("DeepSeek V3 and Llama 3.3.")
    deltas = [r.delta for r in llm.stream_chat(MESSAGES)]
    assert "".join(deltas) == "DeepSeek V3 and Llama 3.3."
    assert len([d for d in deltas if d]) > 1
    _check_one_request(kluster_env, stream=True)


def test_stream_complete(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("Gemma 3 27B.")
    responses = list(llm.stream_complete("Name a vision model."))
    assert responses[-1].text == "Gemma 3 27B."
    _check_one_request(kluster_env, stream=True)


async def test_achat(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("Qwen3.")
    assert (await llm.achat(MESSAGES)).message.content == "Qwen3."
    _check_one_request(kluster_env, stream=False)


async def test_acomplete(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("Qwen3.")
    assert (await llm.acomplete("Name a model.")).text == "Qwen3."
    _check_one_request(kluster_env, stream=False)


async def test_astream_chat(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("Mistral Nemo and Magistral Small.")
    deltas = [r.delta async for r in await llm.astream_chat(MESSAGES)]
    assert "".join(deltas) == "Mistral Nemo and Magistral Small."
    _check_one_request(kluster_env, stream=True)


async def test_astream_complete(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    kluster_env.queue_replies("Mistral Nemo.")
    responses = [r async for r in await llm.astream_complete("Name a model.")]
    assert responses[-1].text == "Mistral Nemo."
    _check_one_request(kluster_env, stream=True)


def test_no_max_tokens_sends_no_limit(kluster_env: KlusterEmulator) -> None:
    KlusterLLM().complete("hi")
    body = kluster_env.chat_requests()[0]
    assert "max_tokens" not in body and "max_completion_tokens" not in body


def test_per_call_max_tokens_is_renamed(llm: KlusterLLM, kluster_env: KlusterEmulator) -> None:
    llm.complete("hi", max_tokens=7)
    assert kluster_env.chat_requests()[0]["max_completion_tokens"] == 7
    assert_contract_kept(kluster_env)


def test_tool_history_and_names_are_rewritten_not_sent(
    llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    history = [
        ChatMessage(role="user", content="What is 6 x 7?"),
        ChatMessage(
            role="assistant",
            content="",
            additional_kwargs={
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "multiply", "arguments": '{"a": 6, "b": 7}'},
                    }
                ]
            },
        ),
        ChatMessage(role="tool", content="42", additional_kwargs={"tool_call_id": "call_1"}),
        ChatMessage(role="user", content="So what is it?"),
    ]
    # On a model without native tools; tool models keep the history (test_tools_native.py).
    KlusterLLM(model="mistralai/Mistral-Nemo-Instruct-2407", max_retries=0).chat(history)
    messages = kluster_env.chat_requests()[0]["messages"]
    assert [m["role"] for m in messages][:2] == ["user", "assistant"]
    assert "multiply" in messages[1]["content"]  # the tool call, told in words
    later = "\n".join(m["content"] for m in messages[2:])
    assert "42" in later and "So what is it?" in later
    assert {m["role"] for m in messages} == {"user", "assistant"}
    assert all(set(m) == {"role", "content"} for m in messages)
    assert_contract_kept(kluster_env)


@pytest.mark.parametrize("reuse_client", [True, False])
def test_both_client_modes_are_gated(kluster_env: KlusterEmulator, reuse_client: bool) -> None:
    llm = KlusterLLM(max_tokens=5, reuse_client=reuse_client)
    llm.complete("hi")
    assert kluster_env.chat_requests()[0]["max_completion_tokens"] == 5
    assert_contract_kept(kluster_env)
