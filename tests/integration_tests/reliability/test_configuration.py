"""Configuration mistakes are caught at construction, in all four classes: an explicit
empty key is an error (not a silent fall-back to the environment), a base URL without
``/v1`` or with plain http to another machine warns once, kluster.ai's host without a path
gets ``/v1``; every class serializes without its key or clients."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest

from kluster_integrations.core.errors import BaseURLWarning, EmptyAPIKeyError, MissingAPIKeyError
from kluster_integrations.emulator._server import EMULATOR_API_KEY, KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM

Make = Callable[..., object]
#: Each class with its own names for the key and the URL.
CLASSES: dict[str, tuple[Make, str]] = {
    "ChatKluster": (ChatKluster, "base_url"),
    "KlusterEmbeddings": (KlusterEmbeddings, "base_url"),
    "KlusterLLM": (KlusterLLM, "api_base"),
    "KlusterEmbedding": (KlusterEmbedding, "api_base"),
}


def base_url_of(model: object) -> str:
    for name in ("openai_api_base", "api_base"):
        if getattr(model, name, None):
            return str(getattr(model, name))
    raise AssertionError("no base URL")


@pytest.fixture(params=sorted(CLASSES))
def cls(request: pytest.FixtureRequest) -> tuple[Make, str]:
    return CLASSES[request.param]


def test_explicit_empty_key_is_an_error(cls, kluster_env: KlusterEmulator) -> None:
    make, _ = cls
    with pytest.raises(EmptyAPIKeyError, match="api_key is empty") as caught:
        make(api_key="")
    assert isinstance(caught.value, MissingAPIKeyError)


def test_base_url_without_v1_warns_once(cls, kluster_env: KlusterEmulator) -> None:
    make, url_name = cls
    url = kluster_env.base_url.removesuffix("/v1") + f"/{make.__name__}"
    with pytest.warns(BaseURLWarning, match="does not end in /v1"):
        make(**{url_name: url})
    with warnings.catch_warnings():
        warnings.simplefilter("error", BaseURLWarning)
        make(**{url_name: url})


def test_plain_http_to_another_host_warns(cls, kluster_env: KlusterEmulator) -> None:
    make, url_name = cls
    with pytest.warns(BaseURLWarning, match="clear text"):
        make(**{url_name: f"http://api.example.com/{make.__name__}/v1"})


def test_local_http_does_not_warn(cls, kluster_env: KlusterEmulator) -> None:
    make, url_name = cls
    with warnings.catch_warnings():
        warnings.simplefilter("error", BaseURLWarning)
        make(**{url_name: kluster_env.base_url})


def test_kluster_host_without_path_gets_v1(cls, kluster_env: KlusterEmulator) -> None:
    make, url_name = cls
    assert base_url_of(make(**{url_name: "https://api.kluster.ai"})) == "https://api.kluster.ai/v1"


def test_serializes_without_key_or_clients(cls, kluster_env: KlusterEmulator) -> None:
    make, _ = cls
    dumped = make().model_dump_json()  # type: ignore[attr-defined]
    assert EMULATOR_API_KEY not in dumped
    assert "HttpxClient" not in dumped
