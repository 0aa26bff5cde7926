"""kluster.ai Verify, the reliability (hallucination) check, held as data: its endpoint, the
two request forms, the answer's fields and the check's limits.

Sources (``VERIFY_SOURCE``, ``VERIFY_DATE``): kluster-ai/docs ``verify/reliability/
verify-api.md`` and ``verify/reliability/chat-completion.md`` as of commit 6cc5ad8
(2025-07-31), and kluster's OpenAPI schema of June 2025 (papermoonio/kluster-mkdocs
``spec/kluster_openapi_fixed.json``). kluster removed the Verify pages from its docs site on
2025-08-29; ``python -m kluster_integrations.probe`` checks the endpoint and its answer live.

- ``POST /v1/verify/reliability`` takes either ``{"prompt", "output", "context"?,
  "return_search_results"?}`` (prompt and output non-empty) or ``{"messages": [...]}`` (at
  least two chat messages, the last being the answer to check);
- it answers ``{"is_hallucination", "explanation", "usage", "search_results"?}``:
  ``is_hallucination`` and ``usage`` are required, ``search_results`` comes only when asked
  for, each ``{"title", "snippet"?, "link"?}``;
- with ``context`` the answer is checked against the context only; without it, against
  general knowledge and a web search (about 1-2 s more);
- the same check answers on ``/v1/chat/completions`` as the model ``VERIFY_MODEL``; the
  content of that answer is not documented;
- limits: as a model ("kluster reliability check"): a 32k context on the Trial tier, 100k on
  the paid tiers (``VERIFY_CONTEXT_WINDOW``, the paid-tier figure as for every model in
  ``KNOWN_MODELS``), the same requests per minute and concurrency as the models.

Example::

    >>> VERIFY_ENDPOINT, VERIFY_PROMPT_FORM
    ('/v1/verify/reliability', ('prompt', 'output', 'context', 'return_search_results'))
"""

from __future__ import annotations

VERIFY_SOURCE = (
    "kluster-ai/docs verify/reliability/verify-api.md and chat-completion.md (commit "
    "6cc5ad8); kluster OpenAPI schema, June 2025"
)
VERIFY_DATE = "2025-07-31"

VERIFY_ENDPOINT = "/v1/verify/reliability"
#: The model id under which the same check answers on the chat endpoint.
VERIFY_MODEL = "klusterai/verify-reliability"
#: The capability word of ``VERIFY_MODEL`` in the model catalog: it judges answers, it does
#: not chat.
VERIFY_CAPABILITY = "verification"

#: Every field of the prompt/output form; the first two are required, non-empty strings.
VERIFY_PROMPT_FORM = ("prompt", "output", "context", "return_search_results")
VERIFY_REQUIRED_FIELDS = ("prompt", "output")
#: The messages form holds this field alone.
VERIFY_MESSAGES_FORM = ("messages",)
VERIFY_MIN_MESSAGES = 2
#: The roles a checked conversation may hold, and the role of its last message (the answer).
VERIFY_MESSAGE_ROLES = ("system", "user", "assistant")
VERIFY_ANSWER_ROLE = "assistant"

#: The answer's fields: those it must have, the token counts of its ``usage``, and the
#: fields of one search result (``title`` required).
VERIFY_ANSWER_REQUIRED = ("is_hallucination", "usage")
VERIFY_USAGE_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens")
VERIFY_SEARCH_RESULT_FIELDS = ("title", "snippet", "link")

#: Tokens the check reads at most ("kluster reliability check", paid tiers; Trial: 32k).
VERIFY_CONTEXT_WINDOW = 100_000
VERIFY_TRIAL_CONTEXT_WINDOW = 32_000
