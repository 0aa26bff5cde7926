"""``KlusterVerifyEvaluator`` on the emulator through the real LlamaIndex: alone (sync and
async, strings and query-engine responses) and in ``BatchEvalRunner`` beside LlamaIndex's
own ``FaithfulnessEvaluator``; bad input refused before sending."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core import VectorStoreIndex
from llama_index.core.evaluation import BatchEvalRunner, EvaluationResult, FaithfulnessEvaluator

from kluster_integrations.core.contract import VERIFY_PROMPT_FORM
from kluster_integrations.core.errors import InvalidRequestError, MalformedResponseError
from kluster_integrations.core.verify import VerifyResult
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.emulator._state import VERIFY_PATH, Fault
from kluster_integrations.llama_index import (
    HallucinationDetectedError,
    KlusterLLM,
    KlusterVerifyEvaluator,
)

from .conftest import assert_contract_kept

QUESTION = "How many requests per minute does the Core tier allow?"
CONTEXTS = [
    "The Core tier allows 600 requests per minute and 100 concurrent requests.",
    "The Trial tier allows 30 requests per minute.",
]
RIGHT = "The Core tier allows 600 requests per minute."
WRONG = "The Core tier allows 6000 requests per minute."


def sent(emulator: KlusterEmulator) -> list[dict[str, Any]]:
    bodies = emulator.verify_requests()
    assert all(set(body) <= set(VERIFY_PROMPT_FORM) for body in bodies), (
        "a Verify request carried a field outside the contract"
    )
    return bodies


def test_an_answer_is_evaluated_against_its_contexts(kluster_env: KlusterEmulator) -> None:
    evaluator = KlusterVerifyEvaluator()

    good = evaluator.evaluate(query=QUESTION, response=RIGHT, contexts=CONTEXTS)
    bad = evaluator.evaluate(query=QUESTION, response=WRONG, contexts=CONTEXTS)

    assert (good.passing, good.score, good.contexts) == (True, 1.0, CONTEXTS)
    assert (bad.passing, bad.score, bad.response, bad.query) == (False, 0.0, WRONG, QUESTION)
    assert "'6000'" in (bad.feedback or "")
    assert sent(kluster_env)[1] == {
        "prompt": QUESTION,
        "output": WRONG,
        "context": "\n\n".join(CONTEXTS),
    }


def test_without_contexts_the_check_uses_general_knowledge(kluster_env: KlusterEmulator) -> None:
    result = KlusterVerifyEvaluator(return_search_results=True).evaluate(
        query="Is the Eiffel Tower in Paris?", response="Yes, in Paris."
    )

    assert result.passing
    assert sent(kluster_env) == [
        {
            "prompt": "Is the Eiffel Tower in Paris?",
            "output": "Yes, in Paris.",
            "return_search_results": True,
        }
    ]


def test_the_async_form_evaluates_too(kluster_env: KlusterEmulator) -> None:
    evaluator = KlusterVerifyEvaluator()

    async def both() -> list[EvaluationResult]:
        return await asyncio.gather(
            evaluator.aevaluate(query=QUESTION, response=RIGHT, contexts=CONTEXTS),
            evaluator.aevaluate(query=QUESTION, response=WRONG, contexts=CONTEXTS),
        )

    assert [result.passing for result in asyncio.run(both())] == [True, False]
    assert len(sent(kluster_env)) == 2


def test_a_query_engine_response_is_evaluated_against_its_source_nodes(
    index: VectorStoreIndex, llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    engine = index.as_query_engine(llm=llm, similarity_top_k=2)
    response = engine.query(QUESTION)
    evaluator = KlusterVerifyEvaluator()

    result = evaluator.evaluate_response(query=QUESTION, response=response)
    again = asyncio.run(evaluator.aevaluate_response(query=QUESTION, response=response))

    assert result.passing and again.passing
    nodes = [node.get_content() for node in response.source_nodes]
    assert sent(kluster_env)[0] == {
        "prompt": QUESTION,
        "output": str(response),
        "context": "\n\n".join(nodes),
    }
    assert_contract_kept(kluster_env)


def test_batch_eval_runner_runs_it_beside_faithfulness(
    index: VectorStoreIndex, llm: KlusterLLM, kluster_env: KlusterEmulator
) -> None:
    questions = [
        QUESTION,
        "How many dimensions do bge-m3 vectors have?",
        "Which completion windows does the Batch API offer?",
    ]
    runner = BatchEvalRunner(
        {
            "kluster_verify": KlusterVerifyEvaluator(),
            "faithfulness": FaithfulnessEvaluator(llm=llm),
        },
        workers=2,
    )

    results = runner.evaluate_queries(
        index.as_query_engine(llm=llm, similarity_top_k=2), queries=questions
    )

    assert set(results) == {"kluster_verify", "faithfulness"}
    assert [r.query for r in results["kluster_verify"]] == questions
    assert all(r.passing for r in results["kluster_verify"]), "the emulator quotes its context"
    assert len(results["faithfulness"]) == len(questions)
    assert sorted(body["prompt"] for body in sent(kluster_env)) == sorted(questions)
    assert_contract_kept(kluster_env)


def test_batch_eval_runner_flags_a_planted_answer(kluster_env: KlusterEmulator) -> None:
    runner = BatchEvalRunner({"kluster_verify": KlusterVerifyEvaluator()}, workers=2)

    results = runner.evaluate_response_strs(
        queries=[QUESTION, QUESTION],
        response_strs=[RIGHT, WRONG],
        contexts_list=[CONTEXTS, CONTEXTS],
    )

    assert [r.passing for r in results["kluster_verify"]] == [True, False]


def test_raise_error_raises_with_the_verdict(kluster_env: KlusterEmulator) -> None:
    with pytest.raises(HallucinationDetectedError) as caught:
        KlusterVerifyEvaluator(raise_error=True).evaluate(
            query=QUESTION, response=WRONG, contexts=CONTEXTS
        )

    assert isinstance(caught.value.result, VerifyResult) and caught.value.result.is_hallucination


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"response": RIGHT, "contexts": CONTEXTS}, "`prompt` must be text, not missing"),
        ({"query": QUESTION, "contexts": CONTEXTS}, "`output` must be text, not missing"),
        ({"query": QUESTION, "response": RIGHT, "contexts": []}, "`context` is empty"),
        ({"query": QUESTION, "response": " ", "contexts": CONTEXTS}, "`output` is empty"),
    ],
)
def test_bad_input_is_refused_before_sending(
    kluster_env: KlusterEmulator, arguments: dict[str, Any], named: str
) -> None:
    evaluator = KlusterVerifyEvaluator()

    with pytest.raises(InvalidRequestError, match=named):
        evaluator.evaluate(**arguments)
    with pytest.raises(InvalidRequestError, match=named):
        asyncio.run(evaluator.aevaluate(**arguments))

    assert kluster_env.requests == []


def test_a_malformed_answer_is_a_typed_error(kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(Fault(status=200, body={"explanation": "?"}, path=VERIFY_PATH))

    with pytest.raises(MalformedResponseError, match="no `is_hallucination`"):
        KlusterVerifyEvaluator().evaluate(query=QUESTION, response=RIGHT, contexts=CONTEXTS)


def test_the_key_is_never_shown(kluster_env: KlusterEmulator) -> None:
    secret = "sk-llama-verify-0123456789"

    evaluator = KlusterVerifyEvaluator(api_key=secret)

    assert secret not in repr(evaluator) and secret not in str(vars(evaluator))
