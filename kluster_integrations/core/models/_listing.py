"""kluster.ai's live model list (``GET /v1/models?extended=true``), validated field by field.

The list is a server answer, so nothing in it is trusted: ``listed_models`` raises
``MalformedResponseError`` for an answer that is not ``{"data": [...]}``, skips entries
without a usable ``id``, and drops each value that cannot be right (a negative
``context_length``, ``tags`` that are not a list of words, ...), with one
``ModelListingWarning`` per model. A dropped or missing field is ``None`` in the
``ListedModel``; ``core.models`` then uses the built-in value for it.

Example::

    >>> listed_model({"id": "m", "context_length": 8192.0, "tools_supported": "yes"})
    ListedModel(id='m', model_purpose=None, context_length=8192, output_length=None, ...)
    >>> listed_model({"id": "m", "context_length": -5}).context_length is None   # warns
    True
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from kluster_integrations.core.contract import MAX_PRICE_PER_TOKEN, REQUEST_LIMIT_TIME_UNITS
from kluster_integrations.core.errors import MalformedResponseError, ModelListingWarning
from kluster_integrations.core.transport import mask_key

#: Far above any model's context (the largest in the catalog has 1,048,576 tokens); a larger
#: figure is a broken list, not a model.
MAX_LISTED_TOKENS = 1 << 30

_YES_NO = {"yes": True, "no": False}
_REASONING = {**_YES_NO, "optional": True}


def _whole_number(value: Any) -> Any:
    """Integral floats (``8192.0``) as ints; bools and strings stay, for the int check to
    refuse."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _words(table: Mapping[str, bool]) -> Any:
    return BeforeValidator(lambda value: table.get(value, value) if type(value) is str else value)


TokenCount = Annotated[
    int, BeforeValidator(_whole_number), Field(strict=True, gt=0, le=MAX_LISTED_TOKENS)
]
#: An embeddings model generates no tokens: 0 is its output length (checked below).
OutputTokenCount = Annotated[
    int, BeforeValidator(_whole_number), Field(strict=True, ge=0, le=MAX_LISTED_TOKENS)
]


#: USD per token: a finite number from 0 to ``MAX_PRICE_PER_TOKEN``.
Price = Annotated[float, Field(strict=True, ge=0, le=MAX_PRICE_PER_TOKEN, allow_inf_nan=False)]


class ListedPrice(BaseModel):
    """``{"input", "output"}`` in USD per token, each ``None`` when not given."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    input: Price | None = None
    output: Price | None = None


class ListedPricing(BaseModel):
    """``pricing``: real-time, per completion window (``asynchronous``), and for the
    model's fine-tunes (``fineTunedRealtime``)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    realtime: ListedPrice | None = None
    asynchronous: dict[Annotated[str, Field(max_length=16)], ListedPrice] | None = None
    fine_tuned: ListedPrice | None = Field(None, alias="fineTunedRealtime")


PositiveCount = Annotated[int, BeforeValidator(_whole_number), Field(strict=True, gt=0)]


class ListedLimits(BaseModel):
    """A model's limits for the calling account: the ``limits`` of an extended entry."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    concurrent_requests: PositiveCount | None = None
    request_limit: PositiveCount | None = None
    request_limit_time_unit: Annotated[str, Field(strict=True)] | None = None
    max_async_queue_size: (
        Annotated[int, BeforeValidator(_whole_number), Field(strict=True, ge=0)] | None
    ) = None

    @field_validator("request_limit_time_unit")
    @classmethod
    def _known_unit(cls, value: str | None) -> str | None:
        unit = value.strip().lower().removesuffix("s") if value is not None else None
        if unit is not None and unit not in REQUEST_LIMIT_TIME_UNITS:
            raise ValueError("unknown unit")
        return unit


class ListedModel(BaseModel):
    """One entry of the model list, each field ``None`` when missing or dropped as invalid.

    A field's description says which values it takes."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Annotated[str, Field(strict=True, min_length=1, description="must be non-empty text")]
    # Before output_length, whose check reads it.
    model_purpose: Annotated[str, Field(strict=True, min_length=1)] | None = Field(
        None, description="must be non-empty text such as 'chat' or 'embeddings'"
    )
    context_length: TokenCount | None = Field(
        None, description=f"must be a whole number of tokens from 1 to {MAX_LISTED_TOKENS:,}"
    )
    output_length: OutputTokenCount | None = Field(
        None,
        description=f"must be a whole number of tokens from 1 to {MAX_LISTED_TOKENS:,} "
        "(0 for an embeddings model)",
    )
    tools_supported: Annotated[bool, _words(_YES_NO), Field(strict=True)] | None = Field(
        None, description="must be true or false"
    )
    reasoning_model: Annotated[bool, _words(_REASONING), Field(strict=True)] | None = Field(
        None, description="must be 'yes', 'no' or 'optional'"
    )
    tags: list[Annotated[str, Field(strict=True)]] | None = Field(
        None, description="must be a list of words such as ['vision']"
    )
    pricing: ListedPricing | None = Field(
        None,
        description="must hold prices in USD per token, numbers from 0 to "
        f"{MAX_PRICE_PER_TOKEN:g}, under realtime, asynchronous.<window> and "
        "fineTunedRealtime",
    )
    limits: ListedLimits | None = Field(
        None,
        description="must hold whole numbers above 0 and a request_limit_time_unit such as "
        f"'minute' (one of {', '.join(REQUEST_LIMIT_TIME_UNITS)})",
    )

    @field_validator("output_length")
    @classmethod
    def _output_only_embeddings_lack(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value == 0 and info.data.get("model_purpose") != "embeddings":
            raise ValueError("no output")
        return value


_RULES = {name: field.description or "" for name, field in ListedModel.model_fields.items()}


#: How much of a value a warning or error shows.
_SHOWN_CHARS = 60


def _shown(value: Any, key: str | None) -> str:
    """``repr(value)`` cut short, with ``key`` masked before it is cut (no piece of it shows)."""
    text = mask_key(repr(value), key)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _why_no_model(entry: Any, key: str | None) -> str | None:
    """What keeps ``entry`` from describing a model (``None``: nothing)."""
    if not isinstance(entry, Mapping):
        return f"is {type(entry).__name__}, not an object"
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not model_id:
        return f"has no usable id ({_shown(model_id, key)})"
    return None


def listed_model(entry: Any, *, key: str | None = None) -> ListedModel:
    """``entry`` validated, with a ``ModelListingWarning`` naming the fields dropped;
    ``MalformedResponseError`` when it describes no model (no object, no usable ``id``).
    ``key`` is masked in what is shown (a hostile list may echo it)."""
    problem = _why_no_model(entry, key)
    if problem is not None:
        raise MalformedResponseError(f"an entry of the model list {problem}", status=200)
    try:
        return ListedModel.model_validate(entry)
    except ValidationError as err:
        bad = {str(error["loc"][0]) for error in err.errors() if error["loc"]}
    listed = ListedModel.model_validate({k: v for k, v in entry.items() if k not in bad})
    problems = {
        name: f"= {_shown(entry[name], key)} {rule}" for name, rule in _RULES.items() if name in bad
    }
    warnings.warn(ModelListingWarning(mask_key(listed.id, key), problems), stacklevel=2)
    return listed


def listed_models(
    answer: Any, *, key: str | None = None, content_type: str | None = None
) -> list[ListedModel]:
    """The models of a ``GET /v1/models`` answer (parsed JSON), entries that describe no model
    skipped with a warning each; ``MalformedResponseError`` when it is not a model list."""
    data = answer.get("data") if isinstance(answer, Mapping) else None
    if not isinstance(data, list):
        raise MalformedResponseError(
            'the answer to GET /v1/models is not a model list ({"data": [...]})',
            status=200,
            content_type=content_type,
            excerpt=_shown(answer, key),
        )
    models = []
    for position, entry in enumerate(data):
        problem = _why_no_model(entry, key)
        if problem is None:
            models.append(listed_model(entry, key=key))
        else:
            warnings.warn(ModelListingWarning(f"entry {position}", {"id": problem}), stacklevel=2)
    return models
