"""The live suite: real kluster.ai, only with a key, only when asked for.

Every test here is marked ``live``; ``pytest`` deselects them (``-m "not live"`` in
pyproject) and ``make test-live`` runs them. Without ``KLUSTER_API_KEY`` they skip, saying
why. ``KLUSTER_BASE_URL`` points them elsewhere (``test_live_suite_on_emulator`` points them
at the emulator); ``KLUSTER_LIVE_MODEL`` picks the chat model (default: the cheapest).
"""

from __future__ import annotations

import os

import pytest

from kluster_integrations.core.contract import API_KEY_ENV

#: The cheapest chat model in the catalog; every call asks for a handful of tokens.
LIVE_MODEL = os.environ.get("KLUSTER_LIVE_MODEL", "klusterai/Meta-Llama-3.1-8B-Instruct-Turbo")
MAX_TOKENS = 5

needs_key = pytest.mark.skipif(
    not os.environ.get(API_KEY_ENV),
    reason=f"live tests call kluster.ai and need {API_KEY_ENV}; set it to run them "
    "(make test-live)",
)
