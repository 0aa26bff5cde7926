"""Private parts of LangChain, LlamaIndex, the openai SDK and pydantic are touched only in the
three ``_framework`` modules (``langchain/_framework.py``, ``llama_index/_framework.py``,
``core/transport/_sdk.py``), where each use is listed and checked against the installed library.

Read from the package's source with ``ast``; what is checked, everywhere else:

- no name, attribute or string ``__pydantic_private__``, ``__pydantic_extra__``,
  ``__wrapped__``;
- no ``_``-prefixed name (or module) imported from langchain_core, langchain_openai,
  langchain, llama_index, openai or pydantic;
- no ``obj._name`` where ``obj`` is not ``self``, ``cls`` or ``super()``, unless ``_name``
  is a private name this package defines itself (``self._name = ...``, a ``_name`` member of
  one of its classes) and no private member of the library classes the adapters build on,
  or one of ``PUBLIC_UNDERSCORE_NAMES``;
- on ``self``/``super()``, of the library classes' private methods only the hooks the
  ``_framework`` modules list as overridden (every other one is called through a
  ``_framework`` function).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from llama_index.llms.openai_like import OpenAILike
from openai import BaseModel as OpenAIModel

import kluster_integrations
from kluster_integrations.langchain._framework import OVERRIDDEN_HOOKS as LANGCHAIN_HOOKS
from kluster_integrations.llama_index._framework import OVERRIDDEN_HOOKS as LLAMA_INDEX_HOOKS

PACKAGE = Path(kluster_integrations.__file__).parent
FRAMEWORK_MODULES = {
    PACKAGE / "langchain" / "_framework.py",
    PACKAGE / "llama_index" / "_framework.py",
    PACKAGE / "core" / "transport" / "_sdk.py",
}
PRIVATE_DUNDERS = {"__pydantic_private__", "__pydantic_extra__", "__wrapped__"}
LIBRARIES = ("langchain_core", "langchain_openai", "langchain", "llama_index", "openai", "pydantic")
LIBRARY_CLASSES = (
    BaseChatModel,
    ChatOpenAI,
    OpenAIEmbeddings,
    OpenAI,
    OpenAILike,
    OpenAIEmbedding,
    OpenAIModel,
)
#: Private methods and attributes of the classes the adapters build on (dunders are Python's,
#: not theirs); pydantic keeps ``PrivateAttr`` names apart, in ``__private_attributes__``.
LIBRARY_METHODS = {
    name
    for cls in LIBRARY_CLASSES
    for name in dir(cls)
    if name.startswith("_") and not name.startswith("__")
}
LIBRARY_PRIVATE = LIBRARY_METHODS.union(
    *(getattr(cls, "__private_attributes__", {}) for cls in LIBRARY_CLASSES)
)
HOOKS = set(LANGCHAIN_HOOKS) | set(LLAMA_INDEX_HOOKS)

#: ``_``-names that are public API of the standard library.
PUBLIC_UNDERSCORE_NAMES = {
    "_replace": "namedtuple's documented method",
    "_getframe": "sys._getframe, documented (the sanitizer's caller check)",
}


def own_private_names(paths: list[Path]) -> set[str]:
    """``_``-names this package defines: ``self._x = ...`` and ``_x`` members of its classes."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                if _is_self(node.value):
                    names.add(node.attr)
            elif isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                        names.add(member.name)
                    elif isinstance(member, ast.AnnAssign | ast.Assign):
                        targets = (
                            member.targets if isinstance(member, ast.Assign) else [member.target]
                        )
                        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def _is_library(module: str) -> bool:
    return module.split(".")[0] in LIBRARIES


def _is_self(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in {"self", "cls"}
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def private_uses(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, what)`` for each use of another library's private part in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in PRIVATE_DUNDERS:
            yield node.lineno, node.id
        elif isinstance(node, ast.Constant) and node.value in PRIVATE_DUNDERS:
            yield node.lineno, repr(node.value)
        elif isinstance(node, ast.ImportFrom) and node.module and _is_library(node.module):
            if any(part.startswith("_") for part in node.module.split(".")):
                yield node.lineno, f"from {node.module}"
            for alias in node.names:
                if alias.name.startswith("_"):
                    yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if _is_library(alias.name) and any(p.startswith("_") for p in parts):
                    yield node.lineno, f"import {alias.name}"
        elif isinstance(node, ast.Attribute) and _is_private_use(node):
            yield node.lineno, f".{node.attr}"


def _is_private_use(node: ast.Attribute) -> bool:
    name = node.attr
    if name in PRIVATE_DUNDERS:
        return True
    if not name.startswith("_") or name.startswith("__"):
        return False
    if _is_self(node.value):
        return name in LIBRARY_METHODS and name not in HOOKS
    if name in LIBRARY_PRIVATE:
        return True
    return name not in OWN_PRIVATE and name not in PUBLIC_UNDERSCORE_NAMES


def package_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p not in FRAMEWORK_MODULES)


OWN_PRIVATE = own_private_names(package_modules()) - LIBRARY_PRIVATE


@pytest.mark.parametrize("path", package_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_library_parts_outside_the_framework_modules(path: Path) -> None:
    found = list(private_uses(ast.parse(path.read_text(encoding="utf-8"))))
    assert not found, (
        f"{path.relative_to(PACKAGE)} touches private parts of a library: {found}; "
        "wrap them in the adapter's _framework module (or core/transport/_sdk.py)"
    )


@pytest.mark.parametrize(
    "source",
    [
        "x.__pydantic_private__",
        "getattr(m, '__pydantic_extra__', None)",
        "f.__wrapped__",
        "from langchain_core.language_models.chat_models import _gen_info_and_msg_metadata",
        "from openai._models import construct_type",
        "import pydantic._internal",
        "model._convert_input(value)",
        "self._get_credential_kwargs()",
        "client._base_url",
        "llm._client",
    ],
)
def test_the_scan_sees_each_kind_of_private_use(source: str) -> None:
    assert list(private_uses(ast.parse(source)))


@pytest.mark.parametrize(
    "source",
    [
        "super()._get_request_payload(x)",
        "self._preparer",
        "split._replace(a=1)",
        "self._x",
        "store._cancel",
    ],
)
def test_the_scan_lets_hooks_and_own_names_pass(source: str) -> None:
    assert not list(private_uses(ast.parse(source)))


def test_the_framework_modules_exist() -> None:
    assert all(path.is_file() for path in FRAMEWORK_MODULES)
