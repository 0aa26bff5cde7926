"""The kluster.ai models this package knows, and a reader for the live list.

The built-in table is contract data (``core.contract.KNOWN_MODELS``). Ids the catalog
does not know (fine-tuned ``ft:...``, dedicated deployments, new models) are still valid:
``lookup_model`` returns ``None`` and callers fall back to conservative defaults.
``lookup_model`` reads the catalog in use: the built-in table, merged with the live list
once ``refresh_capabilities`` / ``use_catalog`` loaded it.

Example::

    >>> lookup_model("google/gemma-3-27b-it").context_window
    64000
    >>> lookup_model("ft:my-fine-tune") is None
    True

Reading the live list (``GET /v1/models?extended=true``) through the openai SDK::

    live = fetch_models(OpenAI(base_url=..., api_key=...))
    catalog = merge_catalog(KNOWN_MODELS, live)
"""

from __future__ import annotations

import difflib
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from kluster_integrations.core.contract import (
    FALLBACK_CONTEXT_WINDOW,
    FALLBACK_MAX_OUTPUT,
    KNOWN_MODELS,
    ModelInfo,
    ModelLimits,
    unknown_model,
)

# Defined in core.errors; re-exported here, where they used to live.
from kluster_integrations.core.errors import UnknownModelWarning as UnknownModelWarning
from kluster_integrations.core.errors import WrongModelPurposeError as WrongModelPurposeError
from kluster_integrations.core.models._listing import ListedModel, listed_model, listed_models
from kluster_integrations.core.models._prices import forget_live_prices
from kluster_integrations.core.rate_limits import forget_live_limits
from kluster_integrations.core.transport import call_scope

if TYPE_CHECKING:
    from openai import OpenAI

_lock = threading.Lock()
_catalog: Mapping[str, ModelInfo] = KNOWN_MODELS


def current_catalog() -> Mapping[str, ModelInfo]:
    """The catalog in use: the built-in one, merged with the live list once loaded."""
    return _catalog


def use_catalog(models: Iterable[ModelInfo]) -> None:
    """Merge ``models`` (from ``fetch_models`` or built by hand) into the catalog in use:
    each replaces the entry of its id, capabilities included."""
    global _catalog
    with _lock:
        _catalog = merge_catalog(_catalog, models)


def reset_catalog() -> None:
    """Go back to the built-in catalog, prices included (the prices set with ``set_price``
    stay), and forget the live list's account limits."""
    global _catalog
    with _lock:
        _catalog = KNOWN_MODELS
    forget_live_limits()
    forget_live_prices()


def lookup_model(model_id: str, catalog: Mapping[str, ModelInfo] | None = None) -> ModelInfo | None:
    """The entry for ``model_id`` in ``catalog`` (default: the catalog in use, the live list
    once loaded), or ``None`` when it is not known. The one model lookup of the package."""
    return (_catalog if catalog is None else catalog).get(str(model_id))


def check_model(
    model_id: str, *, purpose: Literal["chat", "embeddings"], stacklevel: int = 3
) -> ModelInfo | None:
    """The catalog entry for ``model_id``; ``None`` with an ``UnknownModelWarning`` for ids
    the catalog lacks (still valid: fine-tunes, dedicated deployments, new models);
    ``WrongModelPurposeError`` for a chat model used for embeddings or the reverse.

    >>> check_model("BAAI/bge-m3", purpose="embeddings").purpose
    'embeddings'
    """
    info = lookup_model(model_id)
    if info is None:
        limits = (
            f"a {FALLBACK_CONTEXT_WINDOW}-token context window and "
            f"{FALLBACK_MAX_OUTPUT} output tokens"
            if purpose == "chat"
            else "no known input limits"
        )
        warnings.warn(
            f"{model_id!r} is not in kluster_integrations' model catalog; assuming {limits}.",
            UnknownModelWarning,
            stacklevel=stacklevel,
        )
        return None
    if purpose == "chat" and not info.is_chat:
        raise WrongModelPurposeError(
            f"{model_id} is an embeddings model, not a chat model: use it for embeddings "
            "and pick a chat model here (see kluster_integrations.KNOWN_MODELS)."
        )
    if purpose == "embeddings" and info.is_chat:
        raise WrongModelPurposeError(
            f"{model_id} is a chat model, not an embeddings model: kluster.ai's embeddings "
            "model is BAAI/bge-m3."
        )
    return info


#: How alike (difflib's ratio, 0 to 1) an id must be to a catalog id to be suggested.
_SIMILAR_ENOUGH = 0.6
#: The score of a catalog id that holds the id asked for (``qwen3``, ``Llama-3.3-70B``).
_CONTAINED = 0.9


def similar_models(
    model_id: str, *, purpose: Literal["chat", "embeddings"], limit: int = 3
) -> list[str]:
    """The catalog's ids of ``purpose`` closest to ``model_id`` (a typo, a short name, a
    wrong case), closest first; compared whole and without the ``owner/`` part, and an id
    that holds ``model_id`` counts as close.

    >>> similar_models("Meta-Llama-3.3-70B-Instruct-Turbo", purpose="chat")[0]
    'klusterai/Meta-Llama-3.3-70B-Instruct-Turbo'
    """
    wanted = model_id.lower()
    scores = []
    for info in current_catalog().values():
        if info.is_chat != (purpose == "chat") or info.id == model_id:
            continue
        name = info.id.lower()
        score = max(
            difflib.SequenceMatcher(None, wanted, name).ratio(),
            difflib.SequenceMatcher(None, wanted, name.rsplit("/", 1)[-1]).ratio(),
            _CONTAINED if len(wanted) >= 3 and wanted in name else 0.0,
        )
        if score >= _SIMILAR_ENOUGH:
            scores.append((-score, info.id))
    return [model for _, model in sorted(scores)[:limit]]


#: Capabilities a field of the listing decides; ``tags`` decide the others.
_DECIDED_BY_FIELD = frozenset({"tools", "reasoning", "embeddings"})


def model_from_listing(entry: Mapping[str, Any] | ListedModel) -> ModelInfo:
    """The ``ModelInfo`` of one entry of ``GET /v1/models?extended=true``.

    What the entry says wins, capabilities it leaves out included (``tools_supported:
    false`` removes tools); a field it lacks or that was dropped as invalid (with a
    ``ModelListingWarning``, see ``core.models``) comes from the built-in catalog, or
    the fallbacks. Plain listings carry only ``id``, so they change nothing known.

    >>> model_from_listing({"id": "google/gemma-3-27b-it", "tags": []}).capabilities
    frozenset()
    """
    listed = entry if isinstance(entry, ListedModel) else listed_model(entry)
    known = KNOWN_MODELS.get(listed.id)
    built_in = known.capabilities if known else frozenset()
    caps = set(built_in - _DECIDED_BY_FIELD if listed.tags is None else listed.tags)
    purpose = known.purpose if known else "chat"
    if listed.model_purpose is not None:
        purpose = "embeddings" if listed.model_purpose == "embeddings" else "chat"
    decided = {
        "tools": listed.tools_supported,
        "reasoning": listed.reasoning_model,
        "embeddings": purpose == "embeddings" if listed.model_purpose is not None else None,
    }
    for capability, listed_has_it in decided.items():
        if listed_has_it is None:  # not in the entry: the built-in table's word, or a tag's
            listed_has_it = capability in built_in or capability in caps
        (caps.add if listed_has_it else caps.discard)(capability)
    fallback = known or unknown_model(listed.id)
    context, output = listed.context_length, listed.output_length
    limits = listed.limits
    return ModelInfo(
        id=listed.id,
        context_window=fallback.context_window if context is None else context,
        max_output_tokens=fallback.max_output_tokens if output is None else output,
        capabilities=frozenset(caps),
        purpose=purpose,
        limits=ModelLimits(**limits.model_dump()) if limits is not None else fallback.limits,
    )


def fetch_models(client: OpenAI, *, extended: bool = True) -> list[ModelInfo]:
    """Read the live model list through the openai SDK (``GET /v1/models``).

    ``MalformedResponseError`` when the answer is not a model list; values that cannot be
    right are dropped with a ``ModelListingWarning`` (``core.models``)."""
    return [model_from_listing(model) for model in fetch_listing(client, extended=extended)]


def fetch_listing(client: OpenAI, *, extended: bool = True) -> list[ListedModel]:
    """The live model list's entries, validated (``fetch_models`` before they are made
    ``ModelInfo``; prices and limits included)."""
    query = {"extended": "true"} if extended else None
    with call_scope():  # one deadline for all the SDK's attempts, as for every call
        response = client.models.with_raw_response.list(extra_query=query).http_response
    try:
        answer = response.json()
    except ValueError:  # not JSON: shown as the text it is
        answer = response.text
    return listed_models(
        answer, key=client.api_key, content_type=response.headers.get("content-type")
    )


def merge_catalog(
    known: Mapping[str, ModelInfo], live: Iterable[ModelInfo]
) -> dict[str, ModelInfo]:
    """The known catalog updated by the live list: a model's live entry replaces its known
    one, capabilities included (``model_from_listing`` has filled the entry's gaps from the
    built-in catalog already)."""
    merged = dict(known)
    merged.update((info.id, info) for info in live)
    return merged
