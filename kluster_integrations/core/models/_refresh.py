"""Loading kluster.ai's live model list is one call: ``refresh_catalog``.

``GET /v1/models?extended=true`` is read once, and every model it lists brings its
capabilities, token limits, account limits and prices into the catalog every class of the
process reads (``lookup_model``, ``price_of``). Values that cannot be right keep the
built-in ones, with a ``ModelListingWarning``; an answer that is not a model list raises
``MalformedResponseError`` and changes nothing.

Example::

    from kluster_integrations import refresh_catalog

    refresh_catalog()            # $KLUSTER_API_KEY, $KLUSTER_BASE_URL (else kluster.ai)
    refresh_catalog(api_key="...", base_url="http://127.0.0.1:8765/v1")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import openai

from kluster_integrations.core.contract import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ModelInfo,
    ModelPrices,
    TokenPrice,
)
from kluster_integrations.core.models._catalog import (
    current_catalog,
    fetch_listing,
    model_from_listing,
    use_catalog,
)
from kluster_integrations.core.models._listing import ListedModel, ListedPrice
from kluster_integrations.core.models._live_limits import live_limits
from kluster_integrations.core.models._prices import use_live_prices
from kluster_integrations.core.rate_limits import use_live_limits
from kluster_integrations.core.transport import (
    guarded_sync_http_client,
    resolve_api_key,
    resolve_base_url,
)


def refresh_catalog(
    api_key: str | None = None, base_url: str | None = None
) -> Mapping[str, ModelInfo]:
    """Load the live model list (capabilities, token limits, account limits, prices) for
    every class in the process; returns the catalog now in use. ``api_key`` and
    ``base_url`` default to ``$KLUSTER_API_KEY`` and ``$KLUSTER_BASE_URL`` as for the
    classes."""
    with openai.OpenAI(
        api_key=resolve_api_key(api_key),
        base_url=resolve_base_url(base_url),
        max_retries=DEFAULT_MAX_RETRIES,
        timeout=DEFAULT_TIMEOUT,
        http_client=guarded_sync_http_client(),
    ) as client:
        return refresh_from(client)


def refresh_from(client: openai.OpenAI) -> Mapping[str, ModelInfo]:
    """``refresh_catalog`` through a client of your own; the ``limits`` the list states
    become the rate limits of that client's account (``core.rate_limits``)."""
    entries = list(fetch_listing(client))
    use_live_limits(client.api_key, str(client.base_url), live_limits(entries))
    return load_listing(entries)


def load_listing(listed: Iterable[ListedModel]) -> Mapping[str, ModelInfo]:
    """Use the entries of a live model list from now on; returns the catalog in use."""
    entries = list(listed)
    use_catalog(model_from_listing(entry) for entry in entries)
    use_live_prices(
        {entry.id: prices for entry in entries if (prices := prices_from_listing(entry))}
    )
    return current_catalog()


def prices_from_listing(entry: ListedModel) -> ModelPrices | None:
    """The prices one entry of the live list gives (``None``: it gives none).

    >>> from kluster_integrations.core.models._listing import listed_model
    >>> entry = listed_model({"id": "m", "pricing": {"realtime": {"input": 2e-7, "output": 4e-7},
    ...     "asynchronous": {"24h": {"input": 1e-7, "output": 1e-7}}}})
    >>> prices_from_listing(entry).at("24h").in_millions()
    (0.1, 0.1)
    """
    pricing = entry.pricing
    if pricing is None:
        return None
    windows = {
        window: _token_price(price) for window, price in (pricing.asynchronous or {}).items()
    }
    return ModelPrices(
        realtime=_token_price(pricing.realtime) if pricing.realtime else None,
        batch=MappingProxyType(windows),
        fine_tuned=_token_price(pricing.fine_tuned) if pricing.fine_tuned else None,
    )


def _token_price(price: ListedPrice) -> TokenPrice:
    return TokenPrice(price.input, price.output)
