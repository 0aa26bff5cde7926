"""One model lookup: the built-in table (``core.contract.KNOWN_MODELS``) merged with
kluster.ai's live list once it is loaded.

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

__all__ = [
    "capabilities_of",
    "check_images",
    "check_model",
    "current_catalog",
    "fetch_models",
    "image_locations",
    "listed_models",
    "lookup_model",
    "merge_catalog",
    "model_from_listing",
    "model_info",
    "refresh_capabilities",
    "reset_catalog",
    "similar_models",
    "tool_models",
    "use_catalog",
    "vision_models",
]
