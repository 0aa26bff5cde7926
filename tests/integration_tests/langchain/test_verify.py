"""``KlusterVerify`` on the emulator through the real LangChain: every input form, every
Runnable method, the guard's raise and annotate modes, a RAG chain verified against its
retrieved documents, callbacks, and bad input refused before sending."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore

from kluster_integrations.core.contract import VERIFY_MESSAGES_FORM, VERIFY_PROMPT_FORM
from kluster_integrations.core.errors import (
    InvalidRequestError,
    MalformedResponseError,
    MissingAPIKeyError,
)
from kluster_integrations.core.verify import VerifyResult
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.emulator._state import VERIFY_PATH, Fault
from kluster_integrations.langchain import (
    ChatKluster,
    HallucinationDetectedError,
    KlusterEmbeddings,
    KlusterVerify,
)

QUESTION = "How many requests per minute does the Trial tier allow?"
DOCUMENTS = [
    Document(page_content="The Trial tier allows 30 requests per minute."),
    Document(page_content="The Core tier allows 600 requests per minute."),
]
CONTEXT = "\n\n".join(d.page_content for d in DOCUMENTS)
RIGHT = "The Trial tier allows 30 requests per minute."
WRONG = "The Trial tier allows 60 requests per minute."


def sent(emulator: KlusterEmulator) -> list[dict[str, Any]]:
    bodies = emulator.verify_requests()
    assert all(
        set(body) <= set(VERIFY_PROMPT_FORM) or set(body) == set(VERIFY_MESSAGES_FORM)
        for body in bodies
    ), "a Verify request carried a field outside the contract"
    return bodies


def test_a_dict_with_documents_is_checked_against_them(emulator: KlusterEmulator) -> None:
    result = KlusterVerify().invoke({"prompt": QUESTION, "output": WRONG, "context": DOCUMENTS})

    assert isinstance(result, VerifyResult) and result.is_hallucination
    assert sent(emulator) == [{"prompt": QUESTION, "output": WRONG, "context": CONTEXT}]


@pytest.mark.parametrize(
    "context", [CONTEXT, DOCUMENTS[0], [d.page_content for d in DOCUMENTS]], ids=type
)
def test_context_may_be_text_a_document_or_texts(emulator: KlusterEmulator, context: Any) -> None:
    answer = AIMessage(content=RIGHT)

    assert KlusterVerify().invoke({"prompt": QUESTION, "output": answer, "context": context}).passed
    assert sent(emulator)[0]["output"] == RIGHT


def test_without_context_search_results_can_be_asked_for(emulator: KlusterEmulator) -> None:
    verify = KlusterVerify(return_search_results=True)

    result = verify.invoke({"prompt": "Is the Eiffel Tower in Paris?", "output": "Yes, Paris."})

    assert result.passed and result.search_results
    assert sent(emulator) == [
        {
            "prompt": "Is the Eiffel Tower in Paris?",
            "output": "Yes, Paris.",
            "return_search_results": True,
        }
    ]


CONVERSATION = [
    SystemMessage(content=f"Answer from this document: {CONTEXT}"),
    HumanMessage(content=QUESTION),
    AIMessage(content=WRONG),
]


def test_a_conversation_is_sent_in_the_messages_form(emulator: KlusterEmulator) -> None:
    result = KlusterVerify().invoke(CONVERSATION)

    assert result.is_hallucination
    assert sent(emulator) == [
        {
            "messages": [
                {"role": "system", "content": CONVERSATION[0].content},
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": WRONG},
            ]
        }
    ]


def test_a_prompt_value_is_a_conversation_too(emulator: KlusterEmulator) -> None:
    prompt = ChatPromptTemplate.from_messages([("human", "{question}"), ("ai", "{answer}")])

    result = KlusterVerify().invoke(prompt.invoke({"question": QUESTION, "answer": RIGHT}))

    assert result.is_hallucination, "the emulator's reference is the question: it lacks '30'"
    assert [m["role"] for m in sent(emulator)[0]["messages"]] == ["user", "assistant"]


def test_every_runnable_method_checks(emulator: KlusterEmulator) -> None:
    verify = KlusterVerify()
    inputs = [
        {"prompt": QUESTION, "output": RIGHT, "context": DOCUMENTS},
        {"prompt": QUESTION, "output": WRONG, "context": DOCUMENTS},
    ]

    async def async_forms() -> tuple[Any, list[Any], list[Any]]:
        return (
            await verify.ainvoke(inputs[1]),
            await verify.abatch(inputs, config={"max_concurrency": 2}),
            [chunk async for chunk in verify.astream(inputs[0])],
        )

    batched = verify.batch(inputs, config={"max_concurrency": 2})
    streamed = list(verify.stream(inputs[1]))
    ainvoked, abatched, astreamed = asyncio.run(async_forms())

    assert [r.is_hallucination for r in batched] == [False, True]
    assert [r.is_hallucination for r in abatched] == [False, True]
    assert len(streamed) == 1 and streamed[0].is_hallucination
    assert len(astreamed) == 1 and astreamed[0].passed
    assert ainvoked.is_hallucination
    assert len(sent(emulator)) == 7


def test_the_raise_guard_stops_a_hallucinated_answer(emulator: KlusterEmulator) -> None:
    guard = KlusterVerify(on_hallucination="raise")
    wrong = {"prompt": QUESTION, "output": AIMessage(content=WRONG), "context": DOCUMENTS}

    with pytest.raises(HallucinationDetectedError) as caught:
        guard.invoke(wrong)
    with pytest.raises(HallucinationDetectedError):
        asyncio.run(guard.ainvoke(wrong))

    assert isinstance(caught.value.result, VerifyResult)
    assert caught.value.result.is_hallucination
    assert "'60'" in str(caught.value)


def test_the_raise_guard_lets_a_supported_answer_through_marked(
    emulator: KlusterEmulator,
) -> None:
    answer = AIMessage(content=RIGHT, id="run-1", response_metadata={"model_name": "m"})

    checked = KlusterVerify(on_hallucination="raise").invoke(
        {"prompt": QUESTION, "output": answer, "context": DOCUMENTS}
    )

    assert isinstance(checked, AIMessage) and checked.content == RIGHT and checked.id == "run-1"
    assert checked.response_metadata["model_name"] == "m"
    assert checked.response_metadata["kluster_verify"]["is_hallucination"] is False


def test_annotate_returns_the_checked_message_with_the_verdict(
    emulator: KlusterEmulator,
) -> None:
    annotate = KlusterVerify(on_hallucination="annotate")

    from_conversation = annotate.invoke(CONVERSATION)
    from_text = asyncio.run(
        annotate.ainvoke({"prompt": QUESTION, "output": RIGHT, "context": CONTEXT})
    )

    verdict = from_conversation.response_metadata["kluster_verify"]
    assert from_conversation.content == WRONG and verdict["is_hallucination"] is True
    assert set(verdict) == {"is_hallucination", "explanation", "search_results", "usage"}
    assert "kluster_verify" not in CONVERSATION[-1].response_metadata, "the input is unchanged"
    assert isinstance(from_text, AIMessage) and from_text.content == RIGHT
    assert from_text.response_metadata["kluster_verify"]["is_hallucination"] is False


def rag_chain(guard: KlusterVerify) -> Any:
    """A RAG chain whose answer is verified against the documents it retrieved."""
    retriever = InMemoryVectorStore.from_documents(DOCUMENTS, KlusterEmbeddings()).as_retriever(
        search_kwargs={"k": 1}
    )
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from this context only:\n{documents}"), ("human", "{prompt}")]
    )
    return (
        RunnablePassthrough.assign(context=lambda x: retriever.invoke(x["prompt"]))
        | RunnablePassthrough.assign(
            documents=lambda x: "\n".join(d.page_content for d in x["context"])
        )
        | RunnablePassthrough.assign(output=prompt | ChatKluster())
        | guard
    )


def test_a_rag_chain_is_verified_against_its_retrieved_documents(
    emulator: KlusterEmulator,
) -> None:
    chain = rag_chain(KlusterVerify(on_hallucination="raise"))

    answer = chain.invoke({"prompt": QUESTION})

    assert answer.response_metadata["kluster_verify"]["is_hallucination"] is False
    assert sent(emulator)[0]["context"] == DOCUMENTS[0].page_content
    emulator.queue_replies(WRONG)  # the model invents a figure
    with pytest.raises(HallucinationDetectedError):
        chain.invoke({"prompt": QUESTION})


def test_a_guard_can_fall_back_on_a_hallucination(emulator: KlusterEmulator) -> None:
    fallback = ChatPromptTemplate.from_messages([("ai", "I do not know.")])
    chain = KlusterVerify(on_hallucination="raise").with_fallbacks(
        [fallback | ChatKluster() | StrOutputParser()],
        exceptions_to_handle=(HallucinationDetectedError,),
    )
    emulator.queue_replies("I do not know.")

    assert chain.invoke({"prompt": QUESTION, "output": WRONG, "context": CONTEXT}) == (
        "I do not know."
    )


class Events(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self.seen.append(("start", kw.get("name")))

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self.seen.append(("end", type(outputs).__name__))

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self.seen.append(("error", type(error).__name__))


def test_callbacks_see_each_check(emulator: KlusterEmulator) -> None:
    events = Events()
    verify = KlusterVerify(on_hallucination="raise")

    verify.invoke(
        {"prompt": QUESTION, "output": RIGHT, "context": CONTEXT},
        config={"callbacks": [events], "run_name": "faithfulness"},
    )
    with pytest.raises(HallucinationDetectedError):
        verify.invoke(
            {"prompt": QUESTION, "output": WRONG, "context": CONTEXT},
            config={"callbacks": [events]},
        )

    assert events.seen == [
        ("start", "faithfulness"),
        ("end", "AIMessage"),
        ("start", "KlusterVerify"),
        ("error", "HallucinationDetectedError"),
    ]


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("Is this right?", "KlusterVerify got str"),
        ([], "KlusterVerify got list"),
        ({"output": RIGHT}, "`prompt` must be text"),
        ({"prompt": QUESTION, "output": RIGHT, "context": []}, "`context` is empty"),
        ({"prompt": QUESTION, "output": RIGHT, "context": [1]}, "`context` must be text"),
        ([HumanMessage(content=QUESTION)], "Verify needs at least 2"),
        (CONVERSATION[:2], "The last message is a user message"),
        ([*CONVERSATION[:2], ToolMessage(content="30", tool_call_id="c")], "ToolMessage"),
    ],
)
def test_bad_input_is_refused_before_sending(
    emulator: KlusterEmulator, value: Any, named: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        KlusterVerify().invoke(value)

    assert named in str(caught.value)
    assert emulator.requests == []


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="on_hallucination='warn' is not an option"):
        KlusterVerify(on_hallucination="warn")


def test_a_malformed_answer_is_a_typed_error(emulator: KlusterEmulator) -> None:
    emulator.add_fault(Fault(status=200, body={"explanation": "?"}, path=VERIFY_PATH))

    with pytest.raises(MalformedResponseError, match="no `is_hallucination`"):
        KlusterVerify().invoke({"prompt": QUESTION, "output": RIGHT})


def test_the_key_comes_from_the_environment_and_is_never_shown(
    emulator: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-langchain-verify-0123456789"
    verify = KlusterVerify(api_key=secret)

    assert isinstance(verify.invoke({"prompt": QUESTION, "output": RIGHT}), VerifyResult)
    assert secret not in repr(verify) and secret not in str(verify.to_json())
    monkeypatch.delenv("KLUSTER_API_KEY")
    with pytest.raises(MissingAPIKeyError):
        KlusterVerify()
