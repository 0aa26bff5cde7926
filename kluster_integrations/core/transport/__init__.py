"""How requests travel: the API key and base URL, the HTTP clients with their guards
(deadline, idle stream, size cap, decoding) and the account's rate limit, connection pools,
and the key kept out of logs.

Example::

    from kluster_integrations.core.transport import connection_defaults
    options = connection_defaults({})   # the timeout, retries and guarded clients every class uses
"""

from kluster_integrations.core.transport._base_url import (
    ends_in_v1,
    is_local_host,
)
from kluster_integrations.core.transport._config import (
    resolve_api_key,
    resolve_base_url,
)
from kluster_integrations.core.transport._connection import (
    connection_defaults,
    guard_options,
    guarded_async_http_client,
    guarded_http_clients,
    guarded_sync_http_client,
    rate_limit_declaration,
    with_guarded_http_clients,
)
from kluster_integrations.core.transport._content_decoding import (
    PIECE,
    content_decoder,
    optional_module,
)
from kluster_integrations.core.transport._guards import (
    GuardedTransport,
    GuardOptions,
    call_scope,
    deadline_cap,
    masked_excerpt,
    request_key,
)
from kluster_integrations.core.transport._http import (
    LoopLocalAsyncTransport,
)
from kluster_integrations.core.transport._key_masking import (
    KeyForms,
    key_hint,
    mask_error_fields,
    mask_key,
    masked_start,
    remember_key,
)
from kluster_integrations.core.transport._log_masking import (
    KeyMaskingFilter,
)
from kluster_integrations.core.transport._origins import (
    Source,
    key_source,
    url_source,
)
from kluster_integrations.core.transport._rate_limited import (
    AsyncRateLimitedTransport,
    RateLimitedTransport,
    model_of,
    retry_after,
)
from kluster_integrations.core.transport._sdk import (
    ChunkParser,
    CompletionParser,
    build_answer,
    private_values,
    pydantic_extra,
)
from kluster_integrations.core.transport._stream_events import (
    DataEvents,
)

__all__ = [
    "PIECE",
    "AsyncRateLimitedTransport",
    "ChunkParser",
    "CompletionParser",
    "DataEvents",
    "GuardOptions",
    "GuardedTransport",
    "KeyForms",
    "KeyMaskingFilter",
    "LoopLocalAsyncTransport",
    "RateLimitedTransport",
    "Source",
    "build_answer",
    "call_scope",
    "connection_defaults",
    "content_decoder",
    "deadline_cap",
    "ends_in_v1",
    "guard_options",
    "guarded_async_http_client",
    "guarded_http_clients",
    "guarded_sync_http_client",
    "is_local_host",
    "key_hint",
    "key_source",
    "mask_error_fields",
    "mask_key",
    "masked_excerpt",
    "masked_start",
    "model_of",
    "optional_module",
    "private_values",
    "pydantic_extra",
    "rate_limit_declaration",
    "remember_key",
    "request_key",
    "resolve_api_key",
    "resolve_base_url",
    "retry_after",
    "url_source",
    "with_guarded_http_clients",
]
