"""The private langchain-core and langchain-openai parts listed in ``langchain/_framework.py``
still exist with the shape ``ChatKluster`` and ``KlusterEmbeddings`` rely on; these go red
when langchain-core or langchain-openai changes them."""

from __future__ import annotations

import importlib
import inspect

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration
from langchain_core.prompt_values import ChatPromptValue
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from kluster_integrations.langchain._framework import (
    CALLED_METHODS,
    CHAT_OPENAI_CLIENTS,
    EMBEDDINGS_CLIENTS,
    OVERRIDDEN_HOOKS,
    combined_llm_output,
    input_messages,
    response_metadata,
)
from kluster_integrations.langchain.chat_models import ChatKluster

#: Nothing is sent: building the clients opens no connection.
UNUSED_URL = "http://127.0.0.1:9/v1"


def stock_model() -> ChatOpenAI:
    return ChatOpenAI(model="m", api_key="k", base_url=UNUSED_URL, temperature=0.3)


@pytest.mark.parametrize("name", sorted({**OVERRIDDEN_HOOKS, **CALLED_METHODS}))
def test_chat_openai_methods_keep_their_signatures(name: str) -> None:
    expected = {**OVERRIDDEN_HOOKS, **CALLED_METHODS}[name]
    found = inspect.getattr_static(ChatOpenAI, name)
    if expected is None:
        assert isinstance(found, property)
    else:
        assert list(inspect.signature(getattr(ChatOpenAI, name)).parameters) == expected


def test_every_private_override_of_chat_kluster_is_listed() -> None:
    """A private name ``ChatKluster`` defines that ``ChatOpenAI`` has too is a hook it
    overrides: it must be in ``OVERRIDDEN_HOOKS`` (and so checked above)."""
    own = {
        name
        for klass in ChatKluster.__mro__
        if klass.__module__.startswith("kluster_integrations")
        for name in vars(klass)
        if name.startswith("_") and "__" not in name
    }
    own.discard("_abc_impl")  # abc's own, on every abstract class
    assert own & set(dir(ChatOpenAI)) == set(OVERRIDDEN_HOOKS)


def test_default_params_is_a_property_returning_the_request_parameters() -> None:
    assert stock_model()._default_params["temperature"] == 0.3


def test_input_messages_reads_every_input_form() -> None:
    hi = HumanMessage("hi")
    assert input_messages(stock_model(), "hi") == [hi]
    assert input_messages(stock_model(), [("system", "s"), hi]) == [SystemMessage("s"), hi]
    assert input_messages(stock_model(), ChatPromptValue(messages=[hi])) == [hi]


def test_combined_llm_output_sums_token_usage() -> None:
    outputs = [{"token_usage": {"total_tokens": 3}}, None, {"token_usage": {"total_tokens": 4}}]
    combined = combined_llm_output(stock_model(), outputs)
    assert combined["token_usage"] == {"total_tokens": 7} and combined["model_name"] == "m"


#: LangChain's gateway key, left out of response metadata; langchain-core has it since 1.3
#: or so (None before: the lowest version this package allows has no gateway metadata).
GATEWAY_KEY = getattr(
    importlib.import_module("langchain_core.language_models.chat_models"),
    "GATEWAY_METADATA_RESPONSE_KEY",
    None,
)


def test_response_metadata_is_generation_info_and_message_metadata() -> None:
    info: dict[str, object] = {"finish_reason": "stop"}
    if GATEWAY_KEY is not None:
        info[GATEWAY_KEY] = {"g": 1}
    generation = ChatGeneration(
        message=AIMessage("x", response_metadata={"model_name": "m"}), generation_info=info
    )
    assert response_metadata(generation) == {"finish_reason": "stop", "model_name": "m"}


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


#: Module functions of langchain-core and langchain-openai called through ``_framework``,
#: with their parameter names.
CALLED_FUNCTIONS = {
    ("langchain_core.language_models.chat_models", "_format_for_tracing"): ["messages"],
    ("langchain_core.language_models.chat_models", "_format_ls_structured_output"): [
        "ls_structured_output_format"
    ],
    ("langchain_core.language_models.chat_models", "_generate_response_from_error"): ["error"],
    ("langchain_core.language_models._utils", "_filter_invocation_params_for_tracing"): ["params"],
    ("langchain_core.language_models._utils", "_update_message_content_to_blocks"): [
        "message",
        "output_version",
    ],
    ("langchain_openai.chat_models.base", "_convert_message_to_dict"): ["message", "api"],
    ("langchain_openai.chat_models.base", "_convert_from_v1_to_chat_completions"): ["message"],
}


#: Called only where the installed version has them (newer than the lowest allowed).
OPTIONAL_FUNCTIONS = {
    ("langchain_core.language_models._utils", "_filter_invocation_params_for_tracing")
}


@pytest.mark.parametrize(("module", "name"), sorted(CALLED_FUNCTIONS))
def test_called_functions_keep_their_signatures(module: str, name: str) -> None:
    function = getattr(importlib.import_module(module), name, None)
    if function is None and (module, name) in OPTIONAL_FUNCTIONS:
        pytest.skip(f"{name} is newer than this langchain-core; _framework leaves it out")
    assert list(inspect.signature(function).parameters) == CALLED_FUNCTIONS[module, name]


def test_serialized_is_the_models_dumpd() -> None:
    from langchain_core.load import dumpd

    model = stock_model()
    assert model._serialized == dumpd(model)
