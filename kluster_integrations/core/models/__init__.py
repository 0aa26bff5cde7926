"""One model lookup: the built-in tables (``core.contract.KNOWN_MODELS``,
``KNOWN_PRICES``) merged with kluster.ai's live list once it is loaded
(``refresh_catalog``), and the prices a user set (``set_price``).

Example::

    >>> from kluster_integrations.core.models import capabilities_of
    >>> sorted(capabilities_of("Qwen/Qwen3-235B-A22B-FP8"))
    ['reasoning', 'tools']
"""

from kluster_integrations.core.models._capabilities import (
    capabilities_of,
    check_images,
    image_locations,
    model_info,
    refresh_capabilities,
    tool_models,
    vision_models,
)
from kluster_integrations.core.models._catalog import (
    check_model,
    current_catalog,
    fetch_listing,
    fetch_models,
    lookup_model,
    merge_catalog,
    model_from_listing,
    reset_catalog,
    similar_models,
    use_catalog,
)
from kluster_integrations.core.models._listing import (
    listed_models,
)
from kluster_integrations.core.models._prices import (
    current_prices,
    model_prices,
    price_of,
    reset_prices,
    set_price,
    use_live_prices,
    warn_unpriced,
)
from kluster_integrations.core.models._refresh import (
    load_listing,
    prices_from_listing,
    refresh_catalog,
)

__all__ = [
    "capabilities_of",
    "check_images",
    "check_model",
    "current_catalog",
    "current_prices",
    "fetch_listing",
    "fetch_models",
    "image_locations",
    "listed_models",
    "load_listing",
    "lookup_model",
    "merge_catalog",
    "model_from_listing",
    "model_info",
    "model_prices",
    "price_of",
    "prices_from_listing",
    "refresh_capabilities",
    "refresh_catalog",
    "reset_catalog",
    "reset_prices",
    "set_price",
    "similar_models",
    "tool_models",
    "use_catalog",
    "use_live_prices",
    "vision_models",
    "warn_unpriced",
]
