"""Send Verify requests the way every class of this package sends its requests.

``VerifyClient`` holds a sync and an async openai client built as ``ChatKluster`` and
``KlusterLLM`` build theirs (``core.transport``): the API key and base URL resolved from the
arguments or ``KLUSTER_API_KEY`` / ``KLUSTER_BASE_URL``, the package's retry and timeout
defaults, and the guarded HTTP clients (deadline, size cap, decoding, the key masked in
errors and logs; anything added to those clients, such as a limiter, applies to Verify
too). Each request is checked before it is sent (``verify_body``) and its answer read into a
``VerifyResult`` (``read_verify_answer``); HTTP errors are the openai SDK's typed errors
(``openai.BadRequestError``, ``openai.RateLimitError``, ...), retried as the SDK retries them.

``verify_reliability`` and ``averify_reliability`` share one ``VerifyClient`` per key and
base URL, so repeated checks reuse their connections.

Example::

    result = verify_reliability(
        prompt="How many requests per minute does the Trial tier allow?",
        output="The Trial tier allows 60 requests per minute.",
        context="The Trial tier allows 30 requests per minute.",
    )
    result.is_hallucination, result.explanation
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import openai

from kluster_integrations.core.answer import readable_response
from kluster_integrations.core.contract import VERIFY_ENDPOINT
from kluster_integrations.core.transport import (
    connection_defaults,
    resolve_api_key,
    resolve_base_url,
    with_guarded_http_clients,
)
from kluster_integrations.core.verify._answer import verify_answer_of
from kluster_integrations.core.verify._request import verify_body
from kluster_integrations.core.verify._result import VerifyResult

#: The endpoint relative to the base URL, which ends in ``/v1``.
_PATH = VERIFY_ENDPOINT.removeprefix("/v1")


class VerifyClient:
    """A kluster.ai Verify client: ``verify`` and ``averify`` check one answer each.

    Args: ``api_key`` (else ``$KLUSTER_API_KEY``), ``base_url`` (else ``$KLUSTER_BASE_URL``,
    else ``https://api.kluster.ai/v1``), ``timeout`` (seconds per attempt, default 300),
    ``max_retries`` (default 2), ``deadline`` (seconds for a whole call, retries included;
    default 600), ``max_response_bytes`` (default 64 MB), ``http_client`` /
    ``http_async_client`` (your own httpx clients instead of the guarded ones).

    Example::

        client = VerifyClient(deadline=30.0)
        client.verify("Capital of France?", "Rome.").is_hallucination      # True
        await client.averify(messages=[{"role": "user", "content": "Hi"},
                                       {"role": "assistant", "content": "Hello!"}])
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        max_response_bytes: int | None = None,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
    ) -> None:
        key, self.base_url = resolve_api_key(api_key), resolve_base_url(base_url)
        options: dict[str, Any] = {
            "timeout": timeout,
            "deadline": deadline,
            "max_response_bytes": max_response_bytes,
            "http_client": http_client,
            "http_async_client": http_async_client,
        }
        if max_retries is not None:
            options["max_retries"] = max_retries
        connection_defaults(options)
        with_guarded_http_clients(
            options, async_client_name="http_async_client", timeout=options["timeout"]
        )
        common: dict[str, Any] = {
            "api_key": key,
            "base_url": self.base_url,
            "max_retries": options["max_retries"],
            "timeout": options["timeout"],
        }
        self._client = openai.OpenAI(**common, http_client=options["http_client"])
        self._async_client = openai.AsyncOpenAI(**common, http_client=options["http_async_client"])

    def __repr__(self) -> str:
        return f"VerifyClient(base_url={self.base_url!r})"

    def verify(
        self,
        prompt: str | None = None,
        output: str | None = None,
        *,
        context: str | None = None,
        messages: Sequence[Mapping[str, Any]] | None = None,
        return_search_results: bool = False,
    ) -> VerifyResult:
        """Check ``output`` (the answer to ``prompt``) against ``context``, or against
        general knowledge and a web search without it; or check the last message of
        ``messages`` (an assistant's answer) in its conversation."""
        body = verify_body(
            prompt,
            output,
            context=context,
            messages=messages,
            return_search_results=return_search_results,
        )
        with readable_response():
            response = self._client.post(_PATH, body=body, cast_to=httpx.Response)
        return verify_answer_of(response)

    async def averify(
        self,
        prompt: str | None = None,
        output: str | None = None,
        *,
        context: str | None = None,
        messages: Sequence[Mapping[str, Any]] | None = None,
        return_search_results: bool = False,
    ) -> VerifyResult:
        """The async form of ``verify``."""
        body = verify_body(
            prompt,
            output,
            context=context,
            messages=messages,
            return_search_results=return_search_results,
        )
        with readable_response():
            response = await self._async_client.post(_PATH, body=body, cast_to=httpx.Response)
        return verify_answer_of(response)


@functools.lru_cache(maxsize=8)
def _shared_client(api_key: str, base_url: str) -> VerifyClient:
    return VerifyClient(api_key, base_url)


def verify_reliability(
    prompt: str | None = None,
    output: str | None = None,
    *,
    context: str | None = None,
    messages: Sequence[Mapping[str, Any]] | None = None,
    return_search_results: bool = False,
    api_key: str | None = None,
    base_url: str | None = None,
) -> VerifyResult:
    """Ask kluster.ai Verify whether ``output``, the answer to ``prompt``, holds a
    hallucination: against ``context`` when given (RAG: the retrieved documents), else
    against general knowledge and a web search (``return_search_results=True`` returns the
    sources). Or pass ``messages``, a conversation whose last message is the assistant's
    answer to check. Raises ``InvalidRequestError`` before sending for an empty prompt or
    output, fewer than 2 messages, or a request longer than the check reads.

    Example::

        result = verify_reliability(prompt="Capital of France?", output="Rome.")
        if result.is_hallucination:
            print(result.explanation)
    """
    client = _shared_client(resolve_api_key(api_key), resolve_base_url(base_url))
    return client.verify(
        prompt,
        output,
        context=context,
        messages=messages,
        return_search_results=return_search_results,
    )


async def averify_reliability(
    prompt: str | None = None,
    output: str | None = None,
    *,
    context: str | None = None,
    messages: Sequence[Mapping[str, Any]] | None = None,
    return_search_results: bool = False,
    api_key: str | None = None,
    base_url: str | None = None,
) -> VerifyResult:
    """The async form of ``verify_reliability``.

    Example::

        result = await averify_reliability(prompt="Capital of France?", output="Paris.")
    """
    client = _shared_client(resolve_api_key(api_key), resolve_base_url(base_url))
    return await client.averify(
        prompt,
        output,
        context=context,
        messages=messages,
        return_search_results=return_search_results,
    )
