"""Every error and warning the package defines sits under ``KlusterError`` or
``KlusterWarning``, every error in one of the groups, and the tree drawn in
``core/errors.py``'s docstring is the real one.

A new error class anywhere in the package fails here until it is given a group from
``core/errors.py`` and a line in the drawing.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import warnings

import openai
import pytest
from langchain_core.exceptions import OutputParserException

import kluster_integrations
from kluster_integrations.core import errors
from kluster_integrations.core.errors import KlusterError, KlusterWarning
from kluster_integrations.core.models import check_model

#: Exceptions that never leave the package, with the reason.
INTERNAL = {
    "StreamCut": "the emulator's stream generator raises and catches it to cut a stream",
}

#: Errors in no group, with the reason.
UNGROUPED = {
    "ProbeAborted": "the contract probe's own stop (python -m kluster_integrations.probe), "
    "never raised by a model object",
}

#: The bases ``except`` clauses written before the groups existed rely on; kept for good.
OLD_BASES = {
    "MissingAPIKeyError": ValueError,
    "InvalidAPIKeyError": ValueError,
    "UnsupportedParameterError": ValueError,
    "InvalidRequestError": ValueError,
    "WrongModelPurposeError": ValueError,
    "ToolCallingNotSupportedError": NotImplementedError,
    "InvalidToolError": ValueError,
    "ToolCallRequiredError": ValueError,
    "InvalidToolCallError": ValueError,
    "ImageInputNotSupportedError": ValueError,
    "BatchInputError": ValueError,
    "BatchNotFoundError": LookupError,
    "BatchNotFinishedError": RuntimeError,
    "BatchTimeoutError": TimeoutError,
    "BatchStatusUnavailableError": openai.OpenAIError,
    "BatchOutputError": ValueError,
    "BatchDownloadError": openai.APIConnectionError,
    "AdaptiveInferenceQueuedError": RuntimeError,
    "StructuredOutputError": ValueError,
    "StructuredOutputParseError": OutputParserException,
    "StreamInterruptedError": ConnectionError,
    "MalformedResponseError": (ValueError, openai.OpenAIError),
    "ResponseTooLargeError": openai.OpenAIError,
    "DeadlineExceededError": openai.OpenAIError,
    "StreamIdleTimeoutError": openai.OpenAIError,
    "InvalidReasoningModeError": ValueError,
}

DRAWN = re.compile(r"^(?P<indent> *)[*x+\-·] (?P<name>\w+)(?: \[(?P<bases>[^\]]+)\])?")


def package_exceptions() -> dict[str, type[BaseException]]:
    """Every exception or warning class defined in a module of the package, by name."""
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(
        kluster_integrations.__path__, prefix="kluster_integrations."
    ):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[value.__name__] = value
    return found


def drawn_tree() -> dict[str, tuple[str | None, list[str]]]:
    """From the docstring: each class's parent in the drawing and its other bases."""
    doc = errors.__doc__ or ""
    block = doc[doc.index("The hierarchy") : doc.index("Example::")]
    tree: dict[str, tuple[str | None, list[str]]] = {}
    stack: list[tuple[int, str]] = []
    for line in block.splitlines():
        match = DRAWN.match(line)
        if not match:
            continue
        depth = len(match["indent"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        bases = [b.strip().split()[-1] for b in (match["bases"] or "").split(",") if b]
        tree[match["name"]] = (stack[-1][1] if stack else None, bases)
        stack.append((depth, match["name"]))
    return tree


def test_every_exception_is_under_a_package_base() -> None:
    outside = sorted(
        name
        for name, cls in package_exceptions().items()
        if name not in INTERNAL and not issubclass(cls, KlusterError | KlusterWarning)
    )
    assert outside == [], "give these a base from core/errors.py"


def test_the_drawing_lists_every_exception() -> None:
    defined = set(package_exceptions()) - set(INTERNAL)
    assert set(drawn_tree()) == defined


def test_the_drawing_shows_the_real_bases() -> None:
    classes = package_exceptions()
    for name, (parent, bases) in drawn_tree().items():
        cls = classes[name]
        if parent is None:
            assert cls.__bases__[0] in (Exception, UserWarning), name
        else:
            assert classes[parent] in cls.__bases__, f"{name} is drawn under {parent}"
        mro_names = {base.__name__ for base in cls.__mro__}
        assert set(bases) <= mro_names, f"{name} is drawn with bases {bases}"


def package_errors() -> dict[str, type[BaseException]]:
    """The package's errors (not its warnings, nor ``INTERNAL``), by name."""
    return {
        name: cls
        for name, cls in package_exceptions().items()
        if name not in INTERNAL and not issubclass(cls, Warning)
    }


def groups() -> tuple[type[BaseException], ...]:
    """The classes drawn as groups (``x``) in ``core/errors.py``'s docstring."""
    doc = errors.__doc__ or ""
    names = re.findall(r"^ *x (\w+)", doc, flags=re.MULTILINE)
    return tuple(getattr(errors, name) for name in names)


def test_every_timeout_is_a_builtin_timeout_error() -> None:
    """``except TimeoutError`` catches each of the package's timeouts (the deadline, an idle
    stream and a batch wait alike), and ``except KlusterTimeoutError`` those and no other."""
    classes = package_errors()
    timeouts = [cls for name, cls in classes.items() if "Timeout" in name or "Deadline" in name]
    assert {cls.__name__ for cls in timeouts} >= {
        "DeadlineExceededError",
        "StreamIdleTimeoutError",
        "BatchTimeoutError",
    }
    for cls in timeouts:
        assert issubclass(cls, TimeoutError), cls
    for name, cls in classes.items():
        is_timeout = any(issubclass(cls, timeout) for timeout in timeouts)
        assert issubclass(cls, errors.KlusterTimeoutError) == is_timeout, name


def test_every_batch_error_is_a_batch_error() -> None:
    for name, cls in package_errors().items():
        assert issubclass(cls, errors.BatchError) == name.startswith("Batch"), name


def test_every_error_is_in_a_group() -> None:
    found = groups()
    assert {group.__name__ for group in found} == {
        "BatchError",
        "ConfigurationError",
        "KlusterTimeoutError",
        "RequestRefusedError",
        "ResponseError",
    }
    outside = sorted(
        name
        for name, cls in package_errors().items()
        if cls is not KlusterError and cls not in found and not issubclass(cls, found)
    )
    assert outside == sorted(UNGROUPED)


def test_groups_are_plain_error_bases() -> None:
    """A group adds no builtin base (``KlusterTimeoutError``'s ``TimeoutError`` aside), so
    joining one changes no ``except`` clause written for the builtin or SDK bases."""
    for group in groups():
        assert group.__bases__[0] is KlusterError, group
        assert group.__bases__[1:] in ((), (TimeoutError,)), group


@pytest.mark.parametrize("name", sorted(OLD_BASES))
def test_errors_keep_the_bases_old_handlers_catch(name: str) -> None:
    assert issubclass(package_errors()[name], OLD_BASES[name])


def test_errors_keep_their_old_homes_and_bases() -> None:
    from kluster_integrations.core.models import _catalog as catalog
    from kluster_integrations.core.request import _sanitizer as sanitizer

    assert catalog.WrongModelPurposeError is errors.WrongModelPurposeError
    assert catalog.UnknownModelWarning is errors.UnknownModelWarning
    assert sanitizer.UnsupportedParameterWarning is errors.UnsupportedParameterWarning
    with pytest.raises(ValueError, match="embeddings model") as caught:
        check_model("BAAI/bge-m3", purpose="chat")
    assert isinstance(caught.value, KlusterError)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        check_model("ft:my-fine-tune", purpose="chat")
    assert [w.category for w in seen] == [errors.UnknownModelWarning]
    assert issubclass(seen[0].category, UserWarning)
    assert issubclass(seen[0].category, KlusterWarning)
