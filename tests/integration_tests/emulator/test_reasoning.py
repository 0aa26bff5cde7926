"""The emulator's reasoning models, driven through the real openai SDK."""

from __future__ import annotations

import openai
import pytest

from kluster_integrations.emulator._reasoning import move_to_field

R1 = "deepseek-ai/DeepSeek-R1-0528"
LLAMA = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
ASK = [{"role": "user", "content": "Why is the sky blue?"}]


@pytest.fixture
def client(kluster_emulator):
    return openai.OpenAI(base_url=kluster_emulator.base_url, api_key="k", max_retries=0)


def _stream(client, model, **kwargs):
    return list(client.chat.completions.create(model=model, messages=ASK, stream=True, **kwargs))


def test_reasoning_models_think_before_answering(client) -> None:
    reply = client.chat.completions.create(model=R1, messages=ASK).choices[0].message.content
    assert reply.startswith('<think>The user asks: "Why is the sky blue?"')
    assert "</think>\n\nEmulated reply from" in reply
    again = client.chat.completions.create(model=R1, messages=ASK).choices[0].message.content
    assert again == reply


def test_other_models_do_not(client) -> None:
    reply = client.chat.completions.create(model=LLAMA, messages=ASK).choices[0].message.content
    assert "<think>" not in reply


def test_scripted_replies_are_sent_as_queued(client, kluster_emulator) -> None:
    kluster_emulator.queue_replies("Just this.")
    reply = client.chat.completions.create(model=R1, messages=ASK).choices[0].message.content
    assert reply == "Just this."


def test_the_stream_splits_tags_from_their_blocks(client) -> None:
    whole = client.chat.completions.create(model=R1, messages=ASK).choices[0].message.content
    pieces = [
        c.choices[0].delta.content
        for c in _stream(client, R1)
        if c.choices and c.choices[0].delta.content
    ]
    assert "".join(pieces) == whole
    assert len(pieces) > 10
    # the tags arrive glued to words, as the issue saw them on kluster.ai
    assert pieces[0].startswith("<think>") and pieces[0] != "<think>"
    closing = [piece for piece in pieces if "</think>" in piece]
    assert len(closing) == 1 and not closing[0].startswith("</think>")


def test_the_token_budget_can_end_inside_the_block(client) -> None:
    choice = client.chat.completions.create(
        model=R1, messages=ASK, max_completion_tokens=5
    ).choices[0]
    assert choice.finish_reason == "length"
    assert choice.message.content.startswith("<think>")
    assert "</think>" not in choice.message.content


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_the_switch_sends_the_thinking_in_a_field(client, kluster_emulator, field) -> None:
    kluster_emulator.settings.reasoning_field = field
    message = client.chat.completions.create(model=R1, messages=ASK).choices[0].message
    assert message.content.startswith("Emulated reply from")
    assert getattr(message, field).startswith('The user asks: "Why is the sky blue?"')
    chunks = _stream(client, R1)
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    thought = "".join(getattr(d, field, None) or "" for d in deltas)
    answer = "".join(d.content or "" for d in deltas)
    assert (thought, answer) == (getattr(message, field), message.content)
    first_answer = next(i for i, d in enumerate(deltas) if d.content)
    assert all(not getattr(d, field, None) for d in deltas[first_answer:])


def test_the_switch_leaves_other_models_alone(client, kluster_emulator) -> None:
    kluster_emulator.settings.reasoning_field = "reasoning_content"
    message = client.chat.completions.create(model=LLAMA, messages=ASK).choices[0].message
    assert getattr(message, "reasoning_content", None) is None


def test_move_to_field() -> None:
    assert move_to_field("<think>a</think>\n\nb") == ("a", "b")
    assert move_to_field("<think>cut") == ("cut", "")
    assert move_to_field("plain") == (None, "plain")
