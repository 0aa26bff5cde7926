"""The four classes share one set of client defaults and model checks (core.transport,
core.models), whatever their frameworks' own defaults are."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.messages.utils import trim_messages

from kluster_integrations.core.contract import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from kluster_integrations.core.errors import UnknownModelWarning
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM

CLASSES = [ChatKluster, KlusterEmbeddings, KlusterLLM, KlusterEmbedding]


def retries_and_timeout(instance):
    timeout = getattr(instance, "request_timeout", None) or getattr(instance, "timeout", None)
    return instance.max_retries, timeout


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_same_retry_and_timeout_defaults(kluster_env, cls):
    assert retries_and_timeout(cls()) == (DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_persistent_503_costs_one_plus_max_retries_requests(kluster_env, cls):
    kluster_env.add_fault(status=503, times=10, path=None)
    instance = cls(max_retries=2)
    call = {
        ChatKluster: lambda: instance.invoke("hi"),
        KlusterEmbeddings: lambda: instance.embed_query("hi"),
        KlusterLLM: lambda: instance.complete("hi"),
        KlusterEmbedding: lambda: instance.get_text_embedding("hi"),
    }[cls]
    with pytest.raises(Exception, match="503"):
        call()
    assert len(kluster_env.requests) == 3  # the SDK's retries only, no framework layer on top


@pytest.mark.parametrize(
    ("cls", "model"), [(ChatKluster, "ft:me:tuned"), (KlusterLLM, "ft:me:tuned")]
)
def test_unknown_chat_models_warn_alike(kluster_env, cls, model):
    with pytest.warns(UnknownModelWarning, match="ft:me:tuned"):
        cls(model=model)


@pytest.mark.parametrize(
    ("cls", "model"),
    [
        (ChatKluster, "BAAI/bge-m3"),
        (KlusterLLM, "BAAI/bge-m3"),
        (KlusterEmbeddings, "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"),
        (KlusterEmbedding, "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"),
    ],
)
def test_wrong_purpose_models_are_refused_alike(kluster_env, cls, model):
    with pytest.raises(ValueError, match=r"not an embeddings model|not a chat model"):
        cls(model=model)
    assert kluster_env.requests == []


def test_chat_kluster_counts_tokens_offline_for_trim_messages(kluster_env):
    llm = ChatKluster()
    history = [HumanMessage("word " * 200), AIMessage("ok"), HumanMessage("last question")]
    assert 200 < llm.get_num_tokens_from_messages(history) < 400
    assert llm.get_num_tokens("four words right here") > 0
    trimmed = trim_messages(history, max_tokens=50, token_counter=llm, strategy="last")
    assert trimmed[-1].content == "last question"
    assert len(trimmed) < len(history)
