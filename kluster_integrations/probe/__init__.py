"""Does kluster.ai still behave as the contract data says? A drift probe for maintainers.

``python -m kluster_integrations.probe`` sends minimal requests to the API at
``--base-url`` / ``$KLUSTER_BASE_URL`` with ``$KLUSTER_API_KEY`` and checks each rule of
``core.contract`` and ``core.models``: every refused parameter and message field, native
tools and images per catalog model, the embeddings ``dimensions`` rule and vector size,
usage in streams, each model's live prices against the built-in table
(``core.contract.KNOWN_PRICES``), and Verify (``/v1/verify/reliability``: its answer's
shape in both request forms, search results, refused inputs, and
``klusterai/verify-reliability`` on the chat endpoint). It prints a drift report
(``--json`` for JSON) and exits 1 on drift, 2 when it could not probe, 0 otherwise (also
when no key is set: then nothing is sent).

Every accepted chat request asks for one output token and refused ones cost nothing, so the
chat and embeddings probes cost a few hundred to a few thousand prompt tokens (tools and
images are charged by the prompt they add); the four accepted Verify checks cost what the
check costs (kluster's examples report about 500 to 2,000 tokens each). The report prints
the total. ``--models`` limits the per-model probes.

Example::

    KLUSTER_API_KEY=... python -m kluster_integrations.probe
    python -m kluster_integrations.probe --json --models google/gemma-3-27b-it > drift.json

From Python::

    from openai import OpenAI
    from kluster_integrations.probe import run_probe

    report = run_probe(OpenAI(base_url="https://api.kluster.ai/v1", api_key=key))
    assert not report.drift, report.to_text()
"""

from kluster_integrations.probe._plan import PROBE_MODEL, Probe, plan
from kluster_integrations.probe._report import Check, ProbeReport
from kluster_integrations.probe._run import ProbeAborted, run_probe

__all__ = ["PROBE_MODEL", "Check", "Probe", "ProbeAborted", "ProbeReport", "plan", "run_probe"]
