"""The adapter classes' docstrings cannot rot: each ```python block runs, in order, against the
emulator, and every request they send is one kluster.ai accepts."""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import textwrap

import pytest

from kluster_integrations.core.verify import verify_request_problems
from kluster_integrations.emulator._refusals import contract_violations
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.langchain.embeddings import KlusterEmbeddings
from kluster_integrations.langchain.verify import KlusterVerify
from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.evaluation import KlusterVerifyEvaluator
from kluster_integrations.llama_index.llms import KlusterLLM

BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(cls: type) -> list[str]:
    doc = inspect.cleandoc(cls.__doc__ or "")
    return [
        textwrap.dedent(body)
        for language, body in BLOCK.findall(
            "\n".join(
                line.strip() if line.strip().startswith("```") else line
                for line in doc.splitlines()
            )
        )
        if language == "python"
    ]


def run_blocks(cls: type) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": f"{cls.__name__}_docstring"}
    blocks = python_blocks(cls)
    assert blocks, f"{cls.__name__}'s docstring shows no Python example"
    for index, code in enumerate(blocks):
        compiled = compile(
            code,
            f"{cls.__name__} docstring block {index + 1}",
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        )
        try:
            result = eval(compiled, namespace)
            if inspect.iscoroutine(result):
                asyncio.run(result)
        except Exception as err:  # pragma: no cover - the message is the point
            pytest.fail(f"{cls.__name__} docstring block {index + 1} failed: {err!r}\n{code}")
    return namespace


@pytest.mark.parametrize("cls", [ChatKluster, KlusterLLM], ids=lambda c: c.__name__)
def test_chat_docstring_examples_run(cls: type, kluster_env: KlusterEmulator) -> None:
    run_blocks(cls)
    sent = kluster_env.chat_requests()
    assert sent, "the examples sent no chat request"
    assert [body for body in sent if contract_violations(body)] == []


@pytest.mark.parametrize("cls", [KlusterEmbeddings, KlusterEmbedding], ids=lambda c: c.__name__)
def test_embeddings_docstring_examples_run(cls: type, kluster_env: KlusterEmulator) -> None:
    run_blocks(cls)
    assert kluster_env.embedding_requests(), "the examples sent no embeddings request"


@pytest.mark.parametrize("cls", [KlusterVerify, KlusterVerifyEvaluator], ids=lambda c: c.__name__)
def test_verify_docstring_examples_run(cls: type, kluster_env: KlusterEmulator) -> None:
    run_blocks(cls)
    sent = kluster_env.verify_requests()
    assert sent, "the examples sent no Verify request"
    assert [body for body in sent if verify_request_problems(body)] == []
