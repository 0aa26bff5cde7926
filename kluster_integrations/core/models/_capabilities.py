"""What a model can do, per request: native tools, images, reasoning.

The sanitizer, the adapters and the emulator all ask ``capabilities_of(model_id)``. It reads
the live list when one was loaded (``refresh_catalog``), else the built-in catalog. Ids
neither knows (``ft:...`` fine-tunes, dedicated deployments) have no capabilities: no native
tools, no images, until the user says otherwise (``tool_calling="native"``, or the live list).

Example::

    >>> sorted(capabilities_of("klusterai/Meta-Llama-3.3-70B-Instruct-Turbo") & {"tools"})
    ['tools']
    >>> capabilities_of("ft:my-fine-tune")
    frozenset()
    >>> vision_models()[:1]
    ['google/gemma-3-27b-it']

Refreshing from the live list through an openai client of your own (``refresh_catalog()``
makes its own)::

    refresh_capabilities(OpenAI(base_url=..., api_key=...))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kluster_integrations.core.contract import IMAGE_CAPABILITY, IMAGE_PART_TYPES, ModelInfo
from kluster_integrations.core.errors import ImageInputNotSupportedError
from kluster_integrations.core.models._catalog import current_catalog, lookup_model

# The catalog in use lives in core.models (one lookup); re-exported where it used to live.
from kluster_integrations.core.models._catalog import reset_catalog as reset_catalog
from kluster_integrations.core.models._refresh import refresh_from

if TYPE_CHECKING:
    from openai import OpenAI


def refresh_capabilities(client: OpenAI) -> Mapping[str, ModelInfo]:
    """Read ``GET /v1/models?extended=true`` through ``client`` and use it from now on
    (capabilities, limits and prices: ``refresh_catalog`` with a client of your own);
    returns the catalog.

    The list is the truth for each model it describes (it can withdraw a capability); values
    that cannot be right keep the built-in ones, with a ``ModelListingWarning``. An answer
    that is not a model list raises ``MalformedResponseError`` and changes nothing. The
    ``limits`` it states become the rate limits of ``client``'s account (its key on its
    server) for any option not set explicitly (``core.rate_limits``)."""
    return refresh_from(client)


def model_info(model_id: Any) -> ModelInfo | None:
    """The current catalog's entry for ``model_id`` (the live list once loaded), or ``None``
    (``lookup_model``)."""
    return lookup_model(model_id)


def capabilities_of(model_id: Any) -> frozenset[str]:
    """The capabilities of ``model_id`` (empty for ids the catalog does not know)."""
    info = current_catalog().get(str(model_id))
    return info.capabilities if info is not None else frozenset()


def models_with(capability: str) -> list[str]:
    """Ids of the chat models that have ``capability``, sorted case-insensitively."""
    return sorted(
        (
            info.id
            for info in current_catalog().values()
            if info.is_chat and info.supports(capability)
        ),
        key=str.lower,
    )


def tool_models() -> list[str]:
    """The models that take native tool definitions."""
    return models_with("tools")


def vision_models() -> list[str]:
    """The models that take images."""
    return models_with(IMAGE_CAPABILITY)


def image_locations(messages: Any) -> list[str]:
    """Where ``messages`` (dicts, as sent) carry image content parts, e.g. ``messages[1]``."""
    found: list[str] = []
    if not isinstance(messages, list):
        return found
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict | Mapping) else None
        if isinstance(content, list) and any(
            isinstance(part, Mapping) and part.get("type") in IMAGE_PART_TYPES for part in content
        ):
            found.append(f"messages[{index}]")
    return found


def check_images(request: Mapping[str, Any], capabilities: frozenset[str]) -> None:
    """Raise ``ImageInputNotSupportedError`` when ``request`` sends images to a model
    without the vision capability (before anything is sent)."""
    if IMAGE_CAPABILITY in capabilities:
        return
    where = image_locations(request.get("messages"))
    if where:
        raise ImageInputNotSupportedError(str(request.get("model")), where, vision_models())
