"""kluster.ai Verify, framework-free: is an answer supported by its context (RAG), or by
general knowledge and a web search? A typed ``VerifyResult``, or a typed error.

- ``verify_reliability`` / ``averify_reliability``: one check, through a client shared per
  key and base URL; ``VerifyClient`` for your own timeouts, retries and HTTP clients;
- ``verify_body`` / ``verify_request_problems``: the request checked before sending (the
  emulator refuses with the same list);
- ``read_verify_answer`` / ``verify_answer_of``: the answer read, or
  ``MalformedResponseError``.

The facts (endpoint, fields, limits) are contract data, in ``core.contract``.

Example::

    from kluster_integrations import verify_reliability

    result = verify_reliability(
        prompt="Who is the client on the invoice?",
        output="The client is Globex.",
        context="InvID:INV7701B Client:Acme Amt:7116GBP",
    )
    result.is_hallucination      # True: the context names Acme
"""

from kluster_integrations.core.verify._answer import (
    read_verify_answer,
    verify_answer_of,
)
from kluster_integrations.core.verify._client import (
    VerifyClient,
    averify_reliability,
    verify_reliability,
)
from kluster_integrations.core.verify._request import (
    CHARS_PER_TOKEN,
    verify_body,
    verify_request_problems,
)
from kluster_integrations.core.verify._result import (
    SearchResult,
    VerifyResult,
    VerifyUsage,
)

__all__ = [
    "CHARS_PER_TOKEN",
    "SearchResult",
    "VerifyClient",
    "VerifyResult",
    "VerifyUsage",
    "averify_reliability",
    "read_verify_answer",
    "verify_answer_of",
    "verify_body",
    "verify_reliability",
    "verify_request_problems",
]
