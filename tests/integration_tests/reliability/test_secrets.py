"""The API key never shows: not in repr/str, DEBUG logs, exceptions or serialized objects,
whatever form a server echoes it in (JSON-escaped, URL-encoded, base64, in a header).

LlamaIndex's renderings and a successful call's logs are covered in
tests/integration_tests/llama_index/test_secrets.py, ChatKluster's repr and ``dumps`` in
tests/integration_tests/langchain/test_identity.py; here the rest, failing calls included.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable

import openai
import pytest
from langchain_core.load import dumps

from kluster_integrations.core.errors import InvalidAPIKeyError
from kluster_integrations.emulator._hostile import KEY_ECHOES
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.emulator._state import EMBEDDINGS_PATH
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM
from tests.integration_tests.reliability.adapters import CHAT_CALLS, ChatCall

SECRET = "kl-SECRET-5f0e1d2c3b4a"
LOGGERS = (
    "openai",
    "httpx",
    "httpcore",
    "langchain",
    "langchain_core",
    "langchain_openai",
    "llama_index",
    "kluster_integrations",
)
ADAPTERS = [ChatKluster, KlusterEmbeddings, KlusterLLM, KlusterEmbedding]
#: A key with the characters encodings change: ``/`` (``\\/``), ``+``, ``=``, a quote.
ODD_SECRET = 'kl/SECRET+5f0e=1d2c"3b4a/9e8d7c6b'


def echoes_of(key: str) -> list[str]:
    """``key`` as sent and in each echo form, also as a Python repr shows them (backslashes
    doubled, as in logged headers): none may show anywhere."""
    forms = [key, *(echo(key) for echo in KEY_ECHOES.values())]
    return sorted({shown for form in forms for shown in (form, form.replace("\\", "\\\\"))})


ODD_SECRET_ECHOES = echoes_of(ODD_SECRET)


@pytest.fixture
def secret_env(kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch) -> KlusterEmulator:
    monkeypatch.setenv("KLUSTER_API_KEY", SECRET)
    return kluster_env


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def odd_secret_env(
    kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> KlusterEmulator:
    monkeypatch.setenv("KLUSTER_API_KEY", ODD_SECRET)
    return kluster_env


def embed_with_langchain() -> object:
    return KlusterEmbeddings(max_retries=0).embed_query("hi")


def embed_with_llama_index() -> object:
    return KlusterEmbedding(max_retries=0).get_text_embedding("hi")


EMBEDDING_CALLS = [embed_with_langchain, embed_with_llama_index]


def chain_text(error: BaseException) -> str:
    """Every message in the exception and its causes, as printed in a traceback."""
    return "".join(traceback.format_exception_only(type(error), error)) + "".join(
        chain_text(e) for e in (error.__cause__, error.__context__) if e is not None
    )


def test_langchain_embeddings_renderings(secret_env: KlusterEmulator) -> None:
    embeddings = KlusterEmbeddings()
    assert embeddings.openai_api_key.get_secret_value() == SECRET
    for text in (
        repr(embeddings),
        str(embeddings),
        str(embeddings.model_dump()),
        dumps(embeddings),
    ):
        assert SECRET not in text


def test_chat_kluster_serialized_forms(secret_env: KlusterEmulator) -> None:
    llm = ChatKluster()
    for text in (dumps(llm, pretty=True), json.dumps(llm.to_json()), str(llm.model_dump())):
        assert SECRET not in text


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_debug_logs_of_good_and_failing_calls(
    call: ChatCall, secret_env: KlusterEmulator, debug_logs: pytest.LogCaptureFixture
) -> None:
    assert call.run(max_retries=0)
    secret_env.add_fault(status=503, retry_after=0.01, times=5)
    with pytest.raises(openai.InternalServerError) as caught:
        call.run(max_retries=1)
    assert {r.name.split(".")[0] for r in debug_logs.records} >= {"openai", "httpcore"}
    assert SECRET not in debug_logs.text
    assert SECRET not in chain_text(caught.value)


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_rejected_key_error_does_not_quote_it(
    call: ChatCall, secret_env: KlusterEmulator, debug_logs: pytest.LogCaptureFixture
) -> None:
    secret_env.settings.api_key = "the-only-accepted-key"
    with pytest.raises(openai.AuthenticationError) as caught:
        call.run(max_retries=0)
    assert SECRET not in chain_text(caught.value) and SECRET not in repr(caught.value)
    assert SECRET not in debug_logs.text


@pytest.mark.parametrize("make", ADAPTERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize(
    "broken",
    ["kl-\nSECRET", "kl SECRET", "kl-SÉCRET", "kl-\x00SECRET"],
    ids=["newline", "space", "non-ascii", "control"],
)
def test_a_key_no_header_can_carry_is_refused_without_quoting_it(
    make: type, broken: str, kluster_env: KlusterEmulator
) -> None:
    with pytest.raises(InvalidAPIKeyError) as caught:
        make(api_key=broken)
    assert "SECRET" not in chain_text(caught.value)
    assert kluster_env.requests == []


def shown_parts(error: BaseException) -> list[str]:
    """Everything about an error a user or a log sees: str, repr, args, the traceback with
    its causes and, for the SDK's errors, the body, the response text and headers."""
    parts = [str(error), repr(error), repr(error.args), "".join(traceback.format_exception(error))]
    if isinstance(error, openai.APIStatusError):
        parts += [repr(error.body), error.message, error.response.text]
        parts += [f"{name}: {value}" for name, value in error.response.headers.items()]
    return parts


def assert_no_echo(texts: list[str], echoes: list[str] = ODD_SECRET_ECHOES) -> None:
    for text in texts:
        for echoed in echoes:
            assert echoed not in text


def assert_logs_hide(logs: pytest.LogCaptureFixture, echoes: list[str] = ODD_SECRET_ECHOES) -> None:
    """The echoing headers were logged, and no record shows the key in any form."""
    assert "x-echoed-key" in logs.text.lower()
    assert_no_echo([logs.text, *(record.getMessage() for record in logs.records)], echoes)


@pytest.mark.parametrize("form", KEY_ECHOES)
@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_error_body_echoing_the_key_in_any_form_is_masked(
    call: ChatCall, form: str, odd_secret_env: KlusterEmulator
) -> None:
    odd_secret_env.add_fault(answer=f"echo_key_401_{form}")
    with pytest.raises(openai.AuthenticationError) as caught:
        call.run(max_retries=0)
    assert "Invalid API key: ***" in str(caught.value)
    assert_no_echo(shown_parts(caught.value))


@pytest.mark.parametrize("form", KEY_ECHOES)
@pytest.mark.parametrize("embed", EMBEDDING_CALLS, ids=lambda f: f.__name__)
def test_embeddings_error_body_echoing_the_key_is_masked(
    embed: Callable[[], object], form: str, odd_secret_env: KlusterEmulator
) -> None:
    odd_secret_env.add_fault(answer=f"echo_key_401_{form}", path=EMBEDDINGS_PATH)
    with pytest.raises(openai.AuthenticationError) as caught:
        embed()
    assert "Invalid API key: ***" in str(caught.value)
    assert_no_echo(shown_parts(caught.value))


@pytest.mark.parametrize("call", CHAT_CALLS, ids=str)
def test_key_echoed_in_headers_is_not_in_debug_logs(
    call: ChatCall, odd_secret_env: KlusterEmulator, debug_logs: pytest.LogCaptureFixture
) -> None:
    odd_secret_env.add_fault(answer="echo_key_header")
    assert call.run(max_retries=0) == "Hello."
    assert_logs_hide(debug_logs)


@pytest.mark.parametrize("embed", EMBEDDING_CALLS, ids=lambda f: f.__name__)
def test_key_echoed_in_embeddings_headers_is_not_in_debug_logs(
    embed: Callable[[], object],
    odd_secret_env: KlusterEmulator,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    odd_secret_env.add_fault(answer="echo_key_header", path=EMBEDDINGS_PATH)
    assert embed()
    assert_logs_hide(debug_logs)


@pytest.mark.parametrize("form", ["json_unicode", "basic_user"])
@pytest.mark.parametrize(
    "call", [call for call in CHAT_CALLS if call.method in ("invoke", "chat")], ids=str
)
def test_error_echoing_the_key_is_not_in_debug_logs(
    call: ChatCall, form: str, odd_secret_env: KlusterEmulator, debug_logs: pytest.LogCaptureFixture
) -> None:
    odd_secret_env.add_fault(answer=f"echo_key_401_{form}")
    with pytest.raises(openai.AuthenticationError):
        call.run(max_retries=0)
    assert_logs_hide(debug_logs)


def test_callable_key_echoed_in_headers_is_not_in_debug_logs(
    kluster_env: KlusterEmulator, debug_logs: pytest.LogCaptureFixture
) -> None:
    # A callable key never passes through resolve_api_key: the filter masks the key of the
    # request under way.
    key = ODD_SECRET[::-1]
    kluster_env.add_fault(answer="echo_key_header")
    assert ChatKluster(api_key=lambda: key, max_retries=0).invoke("hi").text == "Hello."
    assert_logs_hide(debug_logs, echoes_of(key))


@pytest.mark.parametrize("call", [call for call in CHAT_CALLS if call.streams], ids=str)
def test_key_echoed_in_a_stream_error_event_is_masked(
    call: ChatCall, odd_secret_env: KlusterEmulator
) -> None:
    odd_secret_env.add_fault(answer="echo_key_sse_error")
    with pytest.raises(openai.APIError) as caught:
        call.run(max_retries=0)
    error = caught.value
    assert "Invalid API key: ***" in error.message
    assert_no_echo([*shown_parts(error), error.message, repr(error.body), json.dumps(error.body)])
