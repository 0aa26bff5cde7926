"""The catalog read from a live ``GET /v1/models`` listing, over HTTP to the emulator (the
catalog's data and merging are unit-tested in ``tests/unit_tests/core/test_catalog.py``)."""

from __future__ import annotations

import openai

from kluster_integrations.core.contract import KNOWN_MODELS
from kluster_integrations.core.models import fetch_models


def test_fetch_models_reads_the_extended_listing_over_http(kluster_emulator):
    client = openai.OpenAI(base_url=kluster_emulator.base_url, api_key="k")
    models = {m.id: m for m in fetch_models(client)}
    assert models.keys() == KNOWN_MODELS.keys()
    assert models["BAAI/bge-m3"].purpose == "embeddings"
    (request,) = kluster_emulator.requests
    assert request.path == "/v1/models"
    assert request.headers.get("host")  # a real HTTP request reached the server


def test_fetch_models_plain_listing(kluster_emulator):
    client = openai.OpenAI(base_url=kluster_emulator.base_url, api_key="k")
    models = fetch_models(client, extended=False)
    assert {m.id for m in models} == set(KNOWN_MODELS)
