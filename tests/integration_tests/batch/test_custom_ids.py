"""Batch results know their ``custom_id``: on each converted answer (LangChain
``response_metadata["custom_id"]``, LlamaIndex ``additional_kwargs["custom_id"]``), on each
error in its place, in ``KlusterBatch.custom_ids`` (submission order) and as the keys of
``results_by_id()``, also in a resumed process, with each file downloaded once."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage
from llama_index.core.base.llms.types import ChatResponse
from pydantic import BaseModel

from kluster_integrations.core.errors import BatchItemError, BatchResultsError
from kluster_integrations.emulator._batch_store import BatchFault
from kluster_integrations.emulator._batches import FILES_PATH
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster
from kluster_integrations.llama_index.llms import KlusterLLM

FAST = {"poll_interval": 0.01, "progress": False}
IDS = ["zeta", "alpha", "mid"]
TEXTS = ["first text", "second text", "third text"]


class Label(BaseModel):
    label: str


def downloads(emulator: KlusterEmulator) -> int:
    """How many files were downloaded (the client reads no file's metadata)."""
    return sum(1 for r in emulator.requests if r.method == "GET" and r.path == FILES_PATH)


def custom_id_of(result: Any) -> str:
    if isinstance(result, AIMessage):
        return result.response_metadata["custom_id"]
    if isinstance(result, ChatResponse):
        return result.additional_kwargs["custom_id"]
    assert isinstance(result, BatchItemError)
    return result.custom_id


ADAPTERS = {"langchain": ChatKluster, "llama_index": KlusterLLM}


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_each_result_carries_its_custom_id_also_after_resuming(
    kluster_env: KlusterEmulator, kluster_batches: Any, adapter: str
) -> None:
    job = ADAPTERS[adapter]().submit_batch(TEXTS, custom_ids=IDS)
    assert job.custom_ids == IDS
    job.wait(**FAST)
    results = job.results()
    assert [custom_id_of(result) for result in results] == IDS

    resumed = ADAPTERS[adapter]().get_batch(job.id)  # another process, knowing only the id
    kluster_env.reset()
    by_id = resumed.results_by_id()
    assert list(by_id) == IDS
    for custom_id, text in zip(IDS, TEXTS, strict=True):
        assert custom_id_of(by_id[custom_id]) == custom_id
        content = by_id[custom_id].content if adapter == "langchain" else by_id[custom_id].message
        assert f'"{text}"' in str(content)
    assert resumed.custom_ids == IDS
    assert downloads(kluster_env) == 2  # the input file and the output file, once each


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_errors_in_place_carry_the_same_id(
    kluster_env: KlusterEmulator, kluster_batches: Any, adapter: str
) -> None:
    kluster_batches.add_fault(BatchFault(failing_lines=frozenset({"alpha"})))
    job = ADAPTERS[adapter]().submit_batch(TEXTS, custom_ids=IDS)
    job.wait(**FAST)
    results = job.results(return_exceptions=True)
    assert [custom_id_of(result) for result in results] == IDS
    assert isinstance(results[1], BatchItemError) and results[1].status_code == 500
    by_id = job.results_by_id(return_exceptions=True)
    assert isinstance(by_id["alpha"], BatchItemError) and by_id["alpha"].custom_id == "alpha"
    with pytest.raises(BatchResultsError):
        job.results_by_id()


def test_ids_of_a_resumed_job_come_from_its_input_files_alone(
    kluster_env: KlusterEmulator, kluster_batches: Any
) -> None:
    llm = ChatKluster()
    ids = [f"row-{n}" for n in range(7)]
    job = llm.submit_batch([f"t{n}" for n in range(7)], custom_ids=ids, max_requests_per_batch=3)
    job.wait(**FAST)
    kluster_env.reset()
    resumed = llm.get_batch(job.id)
    assert resumed.custom_ids == ids
    assert len(resumed.batch_ids) == 3
    assert downloads(kluster_env) == 3  # each batch's input file; no output file yet
    assert resumed.custom_ids == ids and downloads(kluster_env) == 3


def test_structured_results_are_keyed_by_id(kluster_env: KlusterEmulator, kluster_batches: Any):
    llm = ChatKluster()
    job = llm.submit_batch(["Great value!", "Dull."], custom_ids=["r1", "r2"], schema=Label)
    job.wait(**FAST)
    by_id = job.results_by_id()
    assert list(by_id) == ["r1", "r2"] and all(isinstance(v, Label) for v in by_id.values())


async def test_async_results_by_id(kluster_env: KlusterEmulator, kluster_batches: Any) -> None:
    job = await KlusterLLM().asubmit_batch(TEXTS, custom_ids=IDS)
    await job.async_wait(**FAST)
    by_id = await job.aresults_by_id()
    assert list(by_id) == IDS
    assert [r.additional_kwargs["custom_id"] for r in by_id.values()] == IDS
