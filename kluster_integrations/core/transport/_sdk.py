"""Every private part of the openai SDK and pydantic that the core and both adapters use.

Nothing outside this module and the adapters' ``_framework`` modules names them
(``tests/unit_tests/test_framework_boundary.py`` checks it);
``tests/unit_tests/core/test_sdk.py`` goes red when the installed library changes one.

- **The SDK's ``build`` hook** (openai, ``BaseClient._process_response_data``): a class
  with a ``build(*, response, data)`` class method, given to ``raw_response.parse(to=...)``
  or as a stream's item type, builds the answer itself
  (``openai._models.ModelBuilderProtocol``; undocumented). ``CompletionParser`` and
  ``ChunkParser`` build with pydantic's validator instead of the SDK's loose constructor
  (see ``core/answer/_parsing.py``).
  If the hook goes, answers are built the SDK's way again (slower, nothing breaks); the test
  goes red so that this module is changed with it.
- **``BaseModel.construct``** (openai's override of pydantic's deprecated v1 name): the
  SDK's own recursive, unvalidated constructor, used for an answer that does not fit the
  schema, so that what the SDK read before is still read. If it goes, such answers fail.
- **``__pydantic_extra__``** (pydantic): the dict of fields a model does not declare (the
  SDK keeps ``reasoning_content`` and the prompted tool parser's ``invalid_tool_calls``
  there). ``getattr`` on a missing name costs an ``AttributeError`` inside pydantic's
  ``__getattr__``; reading the dict does not. If it goes, ``pydantic_extra`` gives ``None``
  and those fields are no longer seen (the test goes red first).
- **``__pydantic_private__``** (pydantic): the dict behind ``PrivateAttr`` fields.
  ``self._preparer`` on a LangChain or LlamaIndex model is found by pydantic's
  ``__getattr__`` only after the normal lookup fails; ``private_values(model)["_preparer"]``
  skips that on every request. If it goes, ``private_values`` raises ``AttributeError``.

Measured (``PYTHONPATH=. python benchmarks/private_reads.py``, best of 5, 2 shared cores),
µs per use, public route against the private one kept here:

- ``_preparer`` by attribute against ``private_values``: 1.74 -> 0.21 (``ChatKluster``),
  1.97 -> 0.19 (``KlusterLLM``), once per request;
- the reasoning fields of an SDK message by ``getattr`` against ``pydantic_extra``:
  4.67 -> 0.36, once per answer and per streamed chunk;
- building an answer, the SDK's constructor against the ``build`` hook: 66.7 -> 3.9 per
  completion, 60.9 -> 3.1 per streamed chunk.

Example::

    extra = pydantic_extra(completion.choices[0].message) or {}
    extra.get("reasoning_content")
    private_values(chat_model)["_preparer"]
    raw_response.parse(to=CompletionParser)   # a ChatCompletion, validated by pydantic
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

import httpx
import pydantic
from openai import BaseModel
from openai.types.chat import ChatCompletion, ChatCompletionChunk

_Model = TypeVar("_Model", bound=BaseModel)


def pydantic_extra(model: object) -> dict[str, Any] | None:
    """The undeclared fields pydantic keeps for ``model`` (``None`` if it keeps none, or
    ``model`` is not a pydantic model); writable, as pydantic's own dict."""
    return getattr(model, "__pydantic_extra__", None)


def private_values(model: pydantic.BaseModel) -> dict[str, Any]:
    """The values of ``model``'s ``PrivateAttr`` fields, by name (pydantic's own dict)."""
    return cast(dict[str, Any], model.__pydantic_private__)


def build_answer(model: type[_Model], data: object) -> _Model | object:
    """``data`` as a ``model``: validated, else constructed as the SDK does; data that is not
    an object is returned as it is (the answer checks report it)."""
    if not isinstance(data, Mapping):
        return data
    try:
        return model.model_validate(data)
    except pydantic.ValidationError:
        return model.construct(**data)


class CompletionParser(ChatCompletion):
    """``raw_response.parse(to=CompletionParser)`` gives a ``ChatCompletion``."""

    @classmethod
    def build(cls, *, response: httpx.Response, data: object) -> ChatCompletion | object:
        return build_answer(ChatCompletion, data)


class ChunkParser(ChatCompletionChunk):
    """``Stream[ChunkParser]`` yields ``ChatCompletionChunk`` objects."""

    @classmethod
    def build(cls, *, response: httpx.Response, data: object) -> ChatCompletionChunk | object:
        return build_answer(ChatCompletionChunk, data)
