"""The emulator's Verify: ``/v1/verify/reliability`` and ``klusterai/verify-reliability`` on
the chat endpoint give the same deterministic verdict, and refuse what the contract refuses.

Requests are sent with plain httpx, so the emulator is judged on bodies the package's
client would never send."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kluster_integrations.core.contract import VERIFY_MODEL
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.emulator._verify import SEARCH_LINK

INVOICE = "InvID:INV7701B Co:OptiTech Client:Acme Amt:7116GBP Date:22May25 Due:21Jun25"


def post(emulator: KlusterEmulator, path: str, body: Any) -> httpx.Response:
    return httpx.post(
        f"{emulator.base_url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {EMULATOR_API_KEY}"},
        timeout=10,
    )


def verify(emulator: KlusterEmulator, body: Any) -> dict[str, Any]:
    response = post(emulator, "/verify/reliability", body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("output", "is_hallucination"),
    [
        ("The client is Acme.", False),
        ("The total amount is 7116 GBP.", False),
        ("The total amount is 8500 USD.", True),
        ("The client is Globex.", True),
        ("Yes. The client is ACME.", False),
    ],
)
def test_an_answer_is_judged_against_the_context(
    kluster_emulator: KlusterEmulator, output: str, is_hallucination: bool
) -> None:
    body = {"prompt": "Who is the client?", "output": output, "context": INVOICE}

    answer = verify(kluster_emulator, body)

    assert answer["is_hallucination"] is is_hallucination
    assert answer == verify(kluster_emulator, body), "the same request, the same answer"
    assert "search_results" not in answer
    usage = answer["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_the_explanation_names_what_the_context_lacks(kluster_emulator: KlusterEmulator) -> None:
    body = {"prompt": "Amount?", "output": "8500 USD, says Globex.", "context": INVOICE}

    explanation = verify(kluster_emulator, body)["explanation"]

    assert "against the context" in explanation
    assert all(fact in explanation for fact in ("'8500'", "'USD'", "'Globex'"))


def test_without_context_the_prompt_is_the_reference_and_search_results_come(
    kluster_emulator: KlusterEmulator,
) -> None:
    body = {
        "prompt": "Is the Eiffel Tower in Paris? It was built in 1889.",
        "output": "Yes, the Eiffel Tower is in Paris; it was built in 1889.",
        "return_search_results": True,
    }

    answer = verify(kluster_emulator, body)

    assert answer["is_hallucination"] is False
    assert [r["link"] for r in answer["search_results"]] == [f"{SEARCH_LINK}1", f"{SEARCH_LINK}2"]
    assert answer["search_results"][0]["snippet"] == "Is the Eiffel Tower in Paris?"


def test_with_context_asked_search_results_are_empty(kluster_emulator: KlusterEmulator) -> None:
    body = {"prompt": "Client?", "output": "Acme.", "context": INVOICE}

    assert verify(kluster_emulator, {**body, "return_search_results": True})["search_results"] == []


def test_a_conversation_is_judged_on_its_last_message(kluster_emulator: KlusterEmulator) -> None:
    messages = [
        {"role": "user", "content": "Does vitamin C cure the common cold?"},
        {"role": "assistant", "content": "Yes, within 24 hours."},
    ]

    answer = verify(kluster_emulator, {"messages": messages})

    assert answer["is_hallucination"] is True
    assert "'24'" in answer["explanation"] and "conversation" in answer["explanation"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"prompt": "Q?"}, "`output` must be text"),
        ({"prompt": "Q?", "output": ""}, "`output` is empty"),
        ({"prompt": "Q?", "output": "A.", "model": VERIFY_MODEL}, "`model` is not a Verify"),
        ({"messages": [{"role": "assistant", "content": "A."}]}, "at least 2"),
        ({"messages": [{"role": "user", "content": "Q?"}] * 2}, "must be the answer"),
        ({"messages": [{"role": "user", "content": "Q"}], "prompt": "Q"}, "cannot go with"),
        ({"prompt": "Q?", "output": "A.", "context": "c" * 500_000}, "context window"),
    ],
)
def test_what_the_contract_refuses_is_answered_400(
    kluster_emulator: KlusterEmulator, body: dict[str, Any], named: str
) -> None:
    response = post(kluster_emulator, "/verify/reliability", body)

    assert response.status_code == 400
    assert named in response.json()["error"]["message"]
    assert kluster_emulator.verify_requests() == [body], "logged before it was judged"


def chat_body(messages: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    return {"model": VERIFY_MODEL, "messages": messages, **extra}


def test_the_chat_endpoint_answers_the_verdict_as_json_text(
    kluster_emulator: KlusterEmulator,
) -> None:
    messages = [
        {"role": "system", "content": f"Answer from this document: {INVOICE}"},
        {"role": "user", "content": "What is the amount?"},
        {"role": "assistant", "content": "The amount is 8500 USD."},
    ]

    response = post(kluster_emulator, "/chat/completions", chat_body(messages))

    assert response.status_code == 200, response.text
    verdict = json.loads(response.json()["choices"][0]["message"]["content"])
    dedicated = verify(kluster_emulator, {"messages": messages})
    assert verdict == {k: dedicated[k] for k in ("is_hallucination", "explanation")}
    assert verdict["is_hallucination"] is True


def test_the_chat_endpoint_streams_the_same_verdict(kluster_emulator: KlusterEmulator) -> None:
    messages = [
        {"role": "user", "content": "Where is the Eiffel Tower?"},
        {"role": "assistant", "content": "In Rome."},
    ]
    with httpx.stream(
        "POST",
        f"{kluster_emulator.base_url}/chat/completions",
        json=chat_body(messages, stream=True),
        headers={"Authorization": f"Bearer {EMULATOR_API_KEY}"},
        timeout=10,
    ) as response:
        lines = [line.removeprefix("data: ") for line in response.iter_lines() if line]
    text = "".join(
        json.loads(line)["choices"][0]["delta"].get("content") or ""
        for line in lines
        if line != "[DONE]" and json.loads(line)["choices"]
    )

    assert json.loads(text)["is_hallucination"] is True


def test_the_chat_endpoint_refuses_a_conversation_without_an_answer(
    kluster_emulator: KlusterEmulator,
) -> None:
    response = post(
        kluster_emulator, "/chat/completions", chat_body([{"role": "user", "content": "Hi"}])
    )

    assert response.status_code == 400
    assert "at least 2" in response.json()["error"]["message"]
