"""Errors of the setup say what to do, on all four classes, sync, async and streamed: no
server at the base URL (a stopped emulator, a wrong port, a host name that does not
resolve), HTTP 401 / 403 for the key, 404 for an unknown model or a base URL without
``/v1``. Each is this package's error, still the openai SDK's (and, from ``ChatKluster``,
LangChain's) type, chained from the SDK's; it names the URL or key and where it came from,
the key only masked."""

from __future__ import annotations

import asyncio
import socket
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai
import pytest

from kluster_integrations.core.errors import (
    AccessDeniedError,
    APIKeyRejectedError,
    BaseURLWarning,
    ConfigurationError,
    ServerUnreachableError,
    UnknownModelError,
    UnknownModelWarning,
    WrongBaseURLPathError,
)
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from tests.integration_tests.reliability.adapters import CHAT_CALLS, ChatCall

SECRET = "kl-SECRET-5f0e1d2c3b4a"
langchain_errors = pytest.importorskip("langchain_core.exceptions")
#: What ChatOpenAI raises for the SDK's error (langchain-core 1.3 or so; None before).
LANGCHAIN_TYPES: dict[type, Any] = {
    ServerUnreachableError: getattr(langchain_errors, "ModelConnectionError", None),
    APIKeyRejectedError: getattr(langchain_errors, "ModelAuthenticationError", None),
    AccessDeniedError: getattr(langchain_errors, "ModelPermissionDeniedError", None),
    UnknownModelError: getattr(langchain_errors, "ModelNotFoundError", None),
    WrongBaseURLPathError: getattr(langchain_errors, "ModelNotFoundError", None),
}
SDK_TYPES: dict[type, type] = {
    ServerUnreachableError: openai.APIConnectionError,
    APIKeyRejectedError: openai.AuthenticationError,
    AccessDeniedError: openai.PermissionDeniedError,
    UnknownModelError: openai.NotFoundError,
    WrongBaseURLPathError: openai.NotFoundError,
}


@dataclass(frozen=True)
class Call:
    """One way of sending through one class: ``url_argument`` is its base URL's name."""

    name: str
    framework: str
    url_argument: str
    send: Callable[..., Any]

    def __str__(self) -> str:
        return self.name


def _chat(call: ChatCall) -> Call:
    argument = "base_url" if call.framework == "langchain" else "api_base"
    return Call(str(call), call.framework, argument, call.run)


def _embeddings(framework: str, method: str) -> Call:
    def send(**options: Any) -> Any:
        if framework == "langchain":
            embeddings: Any = KlusterEmbeddings(**options)
            if method == "sync":
                return embeddings.embed_query("hi")
            return asyncio.run(embeddings.aembed_query("hi"))
        embedding: Any = KlusterEmbedding(**options)
        if method == "sync":
            return embedding.get_text_embedding("hi")
        return asyncio.run(embedding.aget_text_embedding("hi"))

    argument = "base_url" if framework == "langchain" else "api_base"
    return Call(f"{framework}-embeddings-{method}", f"{framework}-embeddings", argument, send)


CALLS = [
    *(_chat(call) for call in CHAT_CALLS),
    *(_embeddings(f, m) for f in ("langchain", "llama_index") for m in ("sync", "async")),
]


def raised(call: Call, kind: type[BaseException], **options: Any) -> Any:
    """The error ``call`` raises with ``options``, checked to be ``kind``, the SDK's type for
    it and (ChatKluster) LangChain's, chained from the SDK's own error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BaseURLWarning)  # said as well: no /v1
        warnings.simplefilter("ignore", UnknownModelWarning)  # said as well: not in the catalog
        with pytest.raises(kind) as caught:
            call.send(max_retries=0, **options)
    error = caught.value
    assert isinstance(error, ConfigurationError) and isinstance(error, SDK_TYPES[kind])
    langchain_type = LANGCHAIN_TYPES[kind]
    if call.framework == "langchain" and langchain_type is not None:
        assert isinstance(error, langchain_type)
    assert isinstance(error.__cause__, SDK_TYPES[kind]) and SECRET not in str(error)
    return error


def free_port() -> int:
    """A port nothing listens on (bound and released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_a_stopped_emulator_names_the_url_its_source_and_the_command(
    call: Call, kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    monkeypatch.setenv("KLUSTER_BASE_URL", url)
    message = str(raised(call, ServerUnreachableError))
    assert f"{url} (set by the environment variable KLUSTER_BASE_URL)" in message
    assert "refused" in message
    assert f"python -m kluster_integrations.emulator --port {port}" in message


@pytest.mark.parametrize("call", CALLS[::3], ids=str)
def test_a_wrong_port_passed_in_says_it_was_passed_in(
    call: Call, kluster_env: KlusterEmulator
) -> None:
    url = f"http://localhost:{free_port()}/v1"
    error = raised(call, ServerUnreachableError, **{call.url_argument: url})
    assert error.base_url == url and error.source == f"passed as {call.url_argument}="


@pytest.mark.parametrize("call", CALLS[::3], ids=str)
def test_a_host_that_does_not_resolve_is_named_without_the_emulator_command(
    call: Call, kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://kluster-emulator.invalid/v1"  # .invalid never resolves (RFC 2606)
    monkeypatch.setenv("KLUSTER_BASE_URL", url)
    message = str(raised(call, ServerUnreachableError))
    assert f"{url} (set by the environment variable KLUSTER_BASE_URL)" in message
    assert "'kluster-emulator.invalid' does not resolve" in message
    assert "kluster_integrations.emulator" not in message


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_a_refused_key_is_named_masked_with_where_it_came_from(
    call: Call, kluster_env: KlusterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    kluster_env.state.settings.api_key = "the-one-key-the-server-takes"
    monkeypatch.setenv("KLUSTER_API_KEY", SECRET)
    error = raised(call, APIKeyRejectedError)
    assert error.status_code == 401 and error.key_hint == "***3b4a"
    message = str(error)
    assert "***3b4a (set by the environment variable KLUSTER_API_KEY)" in message
    assert "KLUSTER_API_KEY=" in message and "api_key=" in message
    assert len(kluster_env.requests) == 1  # it was asked, once (max_retries=0)


@pytest.mark.parametrize("call", CALLS[::3], ids=str)
def test_a_key_passed_in_is_named_as_passed_in(call: Call, kluster_env: KlusterEmulator) -> None:
    kluster_env.state.settings.api_key = "the-one-key-the-server-takes"
    error = raised(call, APIKeyRejectedError, api_key=SECRET)
    assert error.source == "passed as api_key="


@pytest.mark.parametrize("call", CALLS[::2], ids=str)
def test_a_forbidden_key_is_named_too(call: Call, kluster_env: KlusterEmulator) -> None:
    kluster_env.add_fault(status=403, path=None)  # chat and embeddings
    error = raised(call, AccessDeniedError, api_key=SECRET)
    assert error.status_code == 403
    assert "***3b4a (passed as api_key=)" in str(error) and "permissions" in str(error)


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_an_unknown_model_suggests_the_closest_catalog_ids(
    call: Call, kluster_env: KlusterEmulator
) -> None:
    chat = "embeddings" not in call.framework
    model, closest = (
        ("deepseek-r1", "deepseek-ai/DeepSeek-R1-0528") if chat else ("bge-m3", "BAAI/bge-m3")
    )
    error = raised(call, UnknownModelError, model=model)
    assert error.model == model and error.suggestions[0] == closest
    assert f"Did you mean {closest!r}" in str(error)
    sent = kluster_env.chat_requests() if chat else kluster_env.embedding_requests()
    assert [body["model"] for body in sent] == [model]


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_a_base_url_without_v1_says_the_path_is_wrong_not_the_model(
    call: Call, kluster_env: KlusterEmulator
) -> None:
    bare = kluster_env.base_url.removesuffix("/v1")
    error = raised(call, WrongBaseURLPathError, **{call.url_argument: bare})
    message = str(error)
    assert f"base URL {bare} (passed as {call.url_argument}=)" in message
    assert "the path is wrong, not the model" in message and f"Use {bare}/v1" in message
    assert not kluster_env.requests  # no route of the emulator was reached
