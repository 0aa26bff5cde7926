"""Batch result files from a broken or hostile server, over HTTP to the emulator: file ids
that are paths, large outputs, lines repeated, left out or garbled, downloads cut
half-way. Good answers always come back; every problem is a typed error of this package."""

from __future__ import annotations

import asyncio
import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest

from kluster_integrations.core.batch_api import KlusterBatch
from kluster_integrations.core.batch_api._cli import main as cli
from kluster_integrations.core.batch_api._download import BatchFile, adownload, download
from kluster_integrations.core.errors import (
    BatchDownloadError,
    BatchFileIdError,
    BatchFileTooLargeError,
    BatchItemError,
    BatchOutputLineError,
    BatchResultsError,
)
from kluster_integrations.core.transport import _guards as guards
from kluster_integrations.core.transport import guard_options, guarded_http_clients
from kluster_integrations.emulator._batch_store import BatchFault
from kluster_integrations.emulator._batches import FILES_PATH
from kluster_integrations.emulator._hostile import DRIPPED_FILE
from kluster_integrations.emulator._server import EMULATOR_API_KEY
from kluster_integrations.langchain.chat_models import ChatKluster

FAST = {"poll_interval": 0.01, "progress": False}
IDS = ["a", "b", "c", "d", "e"]


def finished_job(store: Any, fault: BatchFault, ids: list[str] = IDS) -> KlusterBatch:
    store.add_fault(fault)
    job = ChatKluster().submit_batch([f"text {i}" for i in ids], custom_ids=ids)
    job.wait(**FAST)
    return job


def downloads(emulator: Any) -> int:
    """How many file downloads the emulator was asked for (the job lists no files)."""
    return sum(1 for r in emulator.requests if r.method == "GET" and r.path == FILES_PATH)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def collect_with(way: str) -> Callable[[KlusterBatch], Any]:
    return {
        "results": lambda job: job.results(return_exceptions=True),
        "iter_results": lambda job: list(job.iter_results()),
        "aresults": lambda job: asyncio.run(job.aresults(return_exceptions=True)),
        "cli": lambda job: run_cli("results", job.id),
    }[way]


# --- item 1: a file id is a plain id, never a path ----------------------------------------


@pytest.fixture
def own_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders go under ``tmp_path/t``, so ``../../x`` from one is ``tmp_path/x``."""
    (tmp_path / "t").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "t"))
    return tmp_path


@pytest.mark.parametrize(
    ("field", "file_id"),
    [
        ("output_file_id", "../../pwned"),
        ("output_file_id", "ABSOLUTE"),
        ("error_file_id", "../../pwned"),
        ("output_file_id", "file\nid"),
        ("output_file_id", "f" * 300),
    ],
    ids=["relative", "absolute", "error-file", "control-char", "over-long"],
)
def test_a_file_id_that_is_no_plain_id_is_refused_before_any_request(
    field, file_id, kluster_batches, kluster_env, own_tempdir
):
    target = own_tempdir / "absolute-pwned"
    file_id = str(target) if file_id == "ABSOLUTE" else file_id
    fault = BatchFault(
        files_media_type="application/json", failing_lines=frozenset({"b"}), **{field: file_id}
    )
    job = finished_job(kluster_batches, fault)
    with pytest.raises(BatchFileIdError) as caught:
        job.results(return_exceptions=True)
    assert caught.value.file_id == file_id and field in str(caught.value)
    assert downloads(kluster_env) == 0
    assert not (own_tempdir / "pwned").exists() and not target.exists()


@pytest.mark.parametrize("way", ["iter_results", "aresults", "cli"])
def test_every_way_of_collecting_refuses_a_path_as_file_id(
    way, kluster_batches, kluster_env, own_tempdir
):
    fault = BatchFault(files_media_type="application/json", output_file_id="../../pwned")
    job = finished_job(kluster_batches, fault)
    if way == "cli":
        code, out, err = run_cli("results", job.id)
        assert (code, out) == (1, "")
        assert err.startswith("error: ") and "'../../pwned'" in err and err.count("\n") == 1
    else:
        with pytest.raises(BatchFileIdError, match="pwned"):
            collect_with(way)(job)
    assert downloads(kluster_env) == 0
    assert not (own_tempdir / "pwned").exists()


# --- item 3: the answer cap bounds a line, not a whole file -------------------------------
# 1,000 answers of 70 KB against the default 64 MB cap, scaled down 640 times to stay fast:
# 60 answers of 70 KB (4.2 MB) against a 100 KB cap. benchmarks/batch.py --large-answers
# collects the full-size job.

CAP = 100_000


def large_job(kluster_env: Any, answer_bytes: int, count: int = 60) -> KlusterBatch:
    kluster_env.queue_replies(*["x" * answer_bytes] * count)
    job = ChatKluster(max_response_bytes=CAP).submit_batch([f"q{i}" for i in range(count)])
    job.wait(**FAST)
    return job


def test_an_output_file_far_over_the_cap_collects_when_each_line_is_under_it(
    kluster_batches, kluster_env
):
    job = large_job(kluster_env, 70_000)
    results = job.results()
    assert len(results) == 60 and all(m.content == "x" * 70_000 for m in results)
    assert sum(1 for m in job.iter_results() if m.content == "x" * 70_000) == 60
    assert asyncio.run(job.aresults())[59].content == "x" * 70_000


def test_one_result_line_over_the_cap_spoils_only_its_request(kluster_batches, kluster_env):
    """The client's ``max_response_bytes`` does not stop a download; ``max_line_bytes``
    turns the one long line into its request's ``line_too_large``."""
    kluster_env.queue_replies("short", "x" * CAP, "short")
    job = ChatKluster(max_response_bytes=CAP).submit_batch(["q0", "q1", "q2"])
    job.wait(**FAST)
    job.max_line_bytes = CAP
    results = job.results(return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["AIMessage", "BatchOutputLineError", "AIMessage"]
    assert results[0].content == results[2].content == "short"
    assert (results[1].index, results[1].code) == (1, "line_too_large")
    assert f"over {CAP:,} bytes" in str(results[1])


def test_a_file_over_max_file_bytes_stops_the_download(kluster_batches, kluster_env):
    job = large_job(kluster_env, 70_000)
    job.max_file_bytes = 1_000_000
    with pytest.raises(BatchFileTooLargeError, match="1,000,000 bytes"):
        job.results()


def test_a_download_is_not_cut_by_the_default_deadline(
    kluster_env: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Only an explicit ``deadline`` bounds a file download, as a stream: a big output file
    may take longer than the default deadline of a call."""
    monkeypatch.setattr(guards, "DEFAULT_DEADLINE", 1.0)
    sync_http, async_http = guarded_http_clients(guard_options())
    where = {"base_url": kluster_env.base_url, "api_key": EMULATOR_API_KEY}
    client = openai.OpenAI(http_client=sync_http, **where)
    aclient = openai.AsyncOpenAI(http_client=async_http, **where)
    file = BatchFile(0, "output", "file-slow")
    kluster_env.add_fault(answer="drip_file", path=FILES_PATH, times=2)  # ~2 s each
    download(client, file, tmp_path / "sync.jsonl", max_bytes=1000, batch_id="b")
    asyncio.run(adownload(aclient, file, tmp_path / "async.jsonl", max_bytes=1000, batch_id="b"))
    assert (tmp_path / "sync.jsonl").read_bytes() == DRIPPED_FILE
    assert (tmp_path / "async.jsonl").read_bytes() == DRIPPED_FILE


def test_a_compressed_download_bomb_stops_at_max_file_bytes(kluster_env: Any, tmp_path: Path):
    """No size cap of the client applies to a download: its own file cap stops a bomb, the
    body decoded in bounded pieces."""
    where = {"base_url": kluster_env.base_url, "api_key": EMULATOR_API_KEY}
    client = openai.OpenAI(http_client=guarded_http_clients(guard_options())[0], **where)
    kluster_env.add_fault(answer="gzip_bomb", answer_bytes=50_000_000, path=FILES_PATH)
    with pytest.raises(BatchFileTooLargeError, match="1,000,000 bytes"):
        download(
            client, BatchFile(0, "output", "f"), tmp_path / "o", max_bytes=1_000_000, batch_id="b"
        )


# --- item 10: repeated and missing lines spoil only their own requests ---------------------


def assert_partial(results: list[Any]) -> None:
    """``a`` and ``e`` answered; ``b`` answered twice; ``c`` and ``d`` not at all."""
    assert [type(r).__name__ for r in results] == [
        "AIMessage",
        "BatchOutputLineError",
        "BatchOutputLineError",
        "BatchOutputLineError",
        "AIMessage",
    ]
    assert results[0].content.endswith('"text a".') and results[4].content.endswith('"text e".')
    duplicate, missing, _ = results[1:4]
    assert isinstance(duplicate, BatchItemError)
    assert (duplicate.custom_id, duplicate.index, duplicate.code) == ("b", 1, "duplicate_line")
    assert "more than one line" in str(duplicate)
    assert (missing.custom_id, missing.index, missing.code) == ("c", 2, "missing_line")
    assert [r.custom_id for r in results[2:4]] == ["c", "d"]


DAMAGED = BatchFault(duplicated_lines=frozenset({"b"}), dropped_lines=frozenset({"c", "d"}))


@pytest.mark.parametrize("way", ["results", "iter_results", "aresults"])
def test_partial_results_come_back_with_each_bad_line_in_place(way, kluster_batches, kluster_env):
    job = finished_job(kluster_batches, DAMAGED)
    assert_partial(collect_with(way)(job))


def test_without_return_exceptions_the_error_says_how_to_get_the_partial_results(
    kluster_batches, kluster_env
):
    job = finished_job(kluster_batches, DAMAGED)
    with pytest.raises(BatchResultsError, match=r"return_exceptions=True") as caught:
        job.results()
    assert_partial(caught.value.results)
    items = job.iter_results(return_exceptions=False)
    assert next(items).content.endswith('"text a".')
    with pytest.raises(BatchOutputLineError, match=r"return_exceptions=True"):
        next(items)


def test_the_cli_prints_the_good_lines_and_reports_the_bad_ones(kluster_batches, kluster_env):
    job = finished_job(kluster_batches, DAMAGED)
    code, out, err = run_cli("results", job.id)
    rows = out.splitlines()
    assert code == 1 and len(rows) == 5
    assert '"response"' in rows[0] and '"response"' in rows[4]
    assert '"duplicate_line"' in rows[1]
    assert all('"missing_line"' in row for row in rows[2:4])
    assert err.count("\n") == 1 and "3 of 5" in err and "'b'" in err


# --- item 9: unreadable lines and cut downloads -------------------------------------------


@pytest.mark.parametrize("way", ["results", "aresults"])
def test_a_custom_id_that_is_not_utf8_spoils_only_its_request(way, kluster_batches, kluster_env):
    job = finished_job(kluster_batches, BatchFault(garbled_lines=frozenset({"c"})))
    results = collect_with(way)(job)
    assert [isinstance(r, BatchOutputLineError) for r in results] == [0, 0, 1, 0, 0]
    assert results[2].custom_id == "c" and "not UTF-8" in str(results[2])


def test_the_cli_reports_a_garbled_line_in_one_line(kluster_batches, kluster_env):
    job = finished_job(kluster_batches, BatchFault(garbled_lines=frozenset({"c"})))
    code, out, err = run_cli("results", job.id)
    assert code == 1 and len(out.splitlines()) == 5
    assert err.startswith("error: ") and err.count("\n") == 1 and "'c'" in err


@pytest.mark.parametrize("way", ["results", "aresults", "cli"])
def test_a_download_cut_half_way_is_fetched_again(way, kluster_batches, kluster_env):
    job = finished_job(kluster_batches, BatchFault(cut_downloads=1))
    collected = collect_with(way)(job)
    if way == "cli":
        assert collected[0] == 0 and len(collected[1].splitlines()) == 5
    else:
        texts = [m.content for m in collected]
        assert all(t.endswith(f'"text {i}".') for t, i in zip(texts, IDS, strict=True))
    # the command line also fetches the input file, to learn the input order
    assert downloads(kluster_env) == (3 if way == "cli" else 2)


@pytest.mark.parametrize("way", ["results", "aresults"])
def test_a_download_that_keeps_breaking_off_is_a_typed_error(way, kluster_batches, kluster_env):
    job = finished_job(kluster_batches, BatchFault(cut_downloads=10))
    with pytest.raises(BatchDownloadError, match="3 attempts") as caught:
        collect_with(way)(job)
    assert isinstance(caught.value, openai.APIConnectionError)
    assert downloads(kluster_env) == 3  # max_retries=2: three attempts in all


def test_the_cli_reports_a_broken_download_in_one_line(kluster_batches, kluster_env):
    job = finished_job(kluster_batches, BatchFault(cut_downloads=10))
    code, out, err = run_cli("results", job.id)
    assert (code, out) == (1, "")
    assert err.startswith("error: ") and err.count("\n") == 1 and "download" in err
