"""The private langchain-openai methods and attributes listed in ``langchain/_internals.py``
still exist with the shape ``ChatKluster`` and ``KlusterEmbeddings`` rely on; these go red
when langchain-openai changes them."""

from __future__ import annotations

import inspect

import pytest
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from kluster_integrations.langchain._internals import (
    CHAT_OPENAI_CLIENTS,
    CHAT_OPENAI_METHODS,
    EMBEDDINGS_CLIENTS,
)

#: Nothing is sent: building the clients opens no connection.
UNUSED_URL = "http://127.0.0.1:9/v1"


@pytest.mark.parametrize("name", sorted(CHAT_OPENAI_METHODS))
def test_chat_openai_methods_keep_their_signatures(name: str) -> None:
    assert (
        list(inspect.signature(getattr(ChatOpenAI, name)).parameters) == CHAT_OPENAI_METHODS[name]
    )


def test_default_params_is_a_property_returning_the_request_parameters() -> None:
    assert isinstance(inspect.getattr_static(ChatOpenAI, "_default_params"), property)
    stock = ChatOpenAI(model="m", api_key="k", base_url=UNUSED_URL, temperature=0.3)
    assert stock._default_params["temperature"] == 0.3


def test_chat_clients_are_the_chat_completions_resource() -> None:
    stock = ChatOpenAI(model="m", api_key="k", base_url=UNUSED_URL)
    assert set(CHAT_OPENAI_CLIENTS) <= set(ChatOpenAI.model_fields)
    assert stock.client is stock.root_client.chat.completions
    assert stock.async_client is stock.root_async_client.chat.completions
    assert callable(stock.client.with_raw_response.create)


def test_embeddings_clients_are_the_embeddings_resource() -> None:
    stock = OpenAIEmbeddings(model="m", api_key="k", base_url=UNUSED_URL)
    assert set(EMBEDDINGS_CLIENTS) <= set(OpenAIEmbeddings.model_fields)
    assert callable(stock.client.create) and callable(stock.async_client.create)
    assert "embeddings" in type(stock.client).__module__
