"""The core's setup errors as ``ChatKluster`` raises them, and every other SDK error as
``ChatOpenAI`` raises it.

``ChatOpenAI`` raises the openai SDK's errors as langchain-openai's own types (which are
also langchain-core's: ``ModelAuthenticationError``, ``ModelConnectionError``...). The core
raises the SDK's setup errors (nothing at the base URL, HTTP 401, 403, 404) as errors that
say what to fix (``core.answer.setup_errors``); here each becomes a class that is both the
core's error and langchain-openai's type for it, named as langchain-openai names its own
with ``Kluster`` for ``OpenAI`` (``KlusterAuthenticationError``...), so ``except
APIKeyRejectedError``, ``except openai.AuthenticationError`` and ``except
ModelAuthenticationError`` all catch it.

Example::

    with openai_errors():
        complete(llm.client, prepared)   # HTTP 401: KlusterAuthenticationError
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import openai

from kluster_integrations.core import errors
from kluster_integrations.core.errors import KlusterError
from kluster_integrations.langchain._framework import (
    OpenAIAuthenticationError,
    OpenAIConnectionError,
    OpenAIModelNotFoundError,
    OpenAIPermissionDeniedError,
    raise_as_chat_openai,
)


class KlusterConnectionError(errors.ServerUnreachableError, OpenAIConnectionError):
    """The core's ``ServerUnreachableError``, also langchain-openai's ``OpenAIConnectionError``."""


class KlusterAuthenticationError(errors.APIKeyRejectedError, OpenAIAuthenticationError):
    """The core's ``APIKeyRejectedError``, also langchain-openai's ``OpenAIAuthenticationError``."""


class KlusterPermissionDeniedError(errors.AccessDeniedError, OpenAIPermissionDeniedError):
    """The core's ``AccessDeniedError``, also langchain-openai's ``OpenAIPermissionDeniedError``."""


class KlusterModelNotFoundError(errors.UnknownModelError, OpenAIModelNotFoundError):
    """The core's ``UnknownModelError``, also langchain-openai's ``OpenAIModelNotFoundError``."""


class KlusterBaseURLPathError(errors.WrongBaseURLPathError, OpenAIModelNotFoundError):
    """The core's ``WrongBaseURLPathError``, also langchain-openai's ``OpenAIModelNotFoundError``
    (which ``ChatOpenAI`` raises for any 404)."""


_AS_RAISED: dict[type[KlusterError], type[KlusterError]] = {
    errors.ServerUnreachableError: KlusterConnectionError,
    errors.APIKeyRejectedError: KlusterAuthenticationError,
    errors.AccessDeniedError: KlusterPermissionDeniedError,
    errors.UnknownModelError: KlusterModelNotFoundError,
    errors.WrongBaseURLPathError: KlusterBaseURLPathError,
}


def as_raised(error: KlusterError) -> KlusterError:
    """``error`` as ``ChatKluster`` raises it: a setup error as its class of this module
    (the same message and fields), any other unchanged."""
    kind = _AS_RAISED.get(type(error))
    if kind is None:
        return error
    retyped = kind.__new__(kind)
    retyped.__dict__.update(error.__dict__)
    retyped.args = error.args
    return retyped


@contextmanager
def openai_errors() -> Iterator[None]:
    """The errors raised inside as ``ChatKluster`` raises them (see the module docstring);
    the SDK's other errors as ``ChatOpenAI`` raises them, or unchanged where it has no
    such type."""
    try:
        yield
    except KlusterError as error:
        raised = as_raised(error)
        if raised is error:
            raise
        raise raised from error.__cause__
    except openai.APIError as error:
        raise_as_chat_openai(error)
        raise
