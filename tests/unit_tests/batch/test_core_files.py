"""The batch engine's file handling, without a server: writing, splitting, reading back."""

from __future__ import annotations

import json
import pickle
from types import SimpleNamespace

import pytest

from kluster_integrations.core.batch_api._download import batch_files, is_plain_file_id
from kluster_integrations.core.batch_api._reader import (
    ResultIndex,
    bounded_lines,
    custom_id_of,
    read_custom_ids,
)
from kluster_integrations.core.batch_api._submit import check_custom_ids, write_parts
from kluster_integrations.core.errors import (
    BatchFileIdError,
    BatchInputError,
    BatchOutputError,
    BatchOutputLineError,
)

BODY = {"model": "m", "messages": [{"role": "user", "content": 'héllo "quoted"'}]}


def test_lines_are_the_documented_shape(tmp_path):
    [part] = write_parts(tmp_path, [BODY, BODY], None)
    lines = [json.loads(row) for row in part.path.read_bytes().splitlines()]
    assert lines == [
        {"custom_id": f"request-{i}", "method": "POST", "url": "/v1/chat/completions", "body": BODY}
        for i in range(2)
    ]
    assert part.size == part.path.stat().st_size


def test_files_split_at_the_request_cap_and_the_byte_cap(tmp_path):
    parts = write_parts(tmp_path / ".", (BODY for _ in range(7)), None, max_requests_per_batch=3)
    assert [len(p.custom_ids) for p in parts] == [3, 3, 1]
    assert [i for p in parts for i in p.custom_ids] == [f"request-{i}" for i in range(7)]
    line_size = parts[0].size // 3
    by_size = write_parts(
        tmp_path / ".", (BODY for _ in range(5)), None, max_file_bytes=2 * line_size + 1
    )
    assert [len(p.custom_ids) for p in by_size] == [2, 2, 1]
    assert all(p.size <= 2 * line_size + 1 for p in by_size)
    with pytest.raises(BatchInputError, match="alone is"):
        write_parts(tmp_path, [BODY], None, max_file_bytes=10)


@pytest.mark.parametrize(
    ("ids", "fragment"),
    [
        ("abc", "single string"),
        (["a", ""], "non-empty"),
        (["a", 3], "non-empty"),
        (["a", "b", "a"], "repeats 'a'"),
    ],
)
def test_custom_ids_are_checked(ids, fragment):
    with pytest.raises(BatchInputError, match=fragment):
        check_custom_ids(ids)


def test_custom_ids_with_quotes_survive_the_round_trip(tmp_path):
    ids = ['say "hi"', "back\\slash", "ünï"]
    [part] = write_parts(tmp_path, [BODY] * 3, ids)
    assert read_custom_ids(part.path) == ids
    assert custom_id_of(b'{"id": "x", "custom_id": "a\\"b"}') == 'a"b'


def result_line(custom_id, status=200, error=None):
    body = (
        {"choices": [{"message": {"content": custom_id}}]}
        if status == 200
        else {"error": {"message": "boom", "code": "x"}}
    )
    return (
        json.dumps(
            {
                "id": "r",
                "custom_id": custom_id,
                "response": {"status_code": status, "request_id": "q", "body": body},
                "error": error,
            }
        )
        + "\n"
    )


def test_results_come_back_in_input_order_from_both_files(tmp_path):
    (tmp_path / "out").write_text(result_line("c") + result_line("a"))
    (tmp_path / "err").write_text(result_line("b", 400))
    index = ResultIndex("job", ["a", "b", "c"], first_index=10)
    index.add_file(tmp_path / "out")
    index.add_file(tmp_path / "err")
    items = list(index.items(not_run=None))
    assert [(i.index, i.custom_id) for i in items] == [(10, "a"), (11, "b"), (12, "c")]
    assert items[0].body["choices"][0]["message"]["content"] == "a"
    assert (items[1].error.status_code, items[1].error.message) == (400, "boom")


@pytest.mark.parametrize(
    ("content", "code", "fragment"),
    [
        (result_line("a") + result_line("a"), "duplicate_line", "more than one line"),
        (result_line("zzz"), "missing_line", "'zzz', which is not in the input"),
        ("not json at all\n", "missing_line", "not JSON"),
        ('{"id": "r"}\n', "missing_line", "has no custom_id"),
        ('{"id": "r", "custom_id": "\xff"}\n', "missing_line", "custom_id is not UTF-8"),
        ('{"custom_id": "a", "response": {"status_code": 200, "bo\n', "unreadable_line", "JSON"),
        ('{"custom_id": "a", "response": "a string"}\n', None, "no answer"),
    ],
)
def test_a_broken_line_spoils_only_its_request(tmp_path, content, code, fragment):
    """The answer to ``b`` comes back; ``a`` gets the error, naming the problem."""
    (tmp_path / "out").write_bytes(content.encode("latin-1") + result_line("b").encode())
    index = ResultIndex("job", ["a", "b"])
    index.add_file(tmp_path / "out")
    first, second = index.items(not_run=None)
    assert second.body is not None and first.body is None
    assert (first.custom_id, first.error.custom_id, first.error.code) == ("a", "a", code)
    assert fragment in str(first.error)
    assert isinstance(first.error, BatchOutputLineError) == (code is not None)


def test_a_line_over_the_cap_is_its_requests_error_and_is_never_read_whole(tmp_path):
    long_answer = result_line("a").replace('content": "a', 'content": "' + "x" * 5_000)
    (tmp_path / "out").write_text(long_answer + result_line("b"))
    index = ResultIndex("job", ["a", "b"], max_line_bytes=1_000)
    index.add_file(tmp_path / "out")
    first, second = index.items(not_run=None)
    assert (first.error.code, second.body["choices"][0]["message"]["content"]) == (
        "line_too_large",
        "b",
    )
    assert "over 1,000 bytes" in str(first.error)


def test_lines_are_read_at_most_the_cap_at_a_time(tmp_path):
    (tmp_path / "f").write_bytes(b"a" * 10_000 + b"\n\nshort\n" + b"b" * 3_000)
    with (tmp_path / "f").open("rb") as handle:
        lines = list(bounded_lines(handle, 100))
    assert [(n, at, len(head), size) for n, at, head, size in lines] == [
        (1, 0, 101, 10_001),
        (3, 10_002, 6, 6),
        (4, 10_008, 101, 3_000),
    ]


def test_missing_lines_are_errors_in_place_whether_or_not_the_batch_finished(tmp_path):
    (tmp_path / "out").write_text(result_line("a"))
    index = ResultIndex("job", ["a", "b"])
    index.add_file(tmp_path / "out")
    finished = list(index.items(not_run=None))
    assert finished[0].body is not None
    assert (finished[1].error.code, finished[1].error.custom_id) == ("missing_line", "b")
    assert "results(return_exceptions=True)" in str(finished[1].error)
    items = list(index.items(not_run=("batch_expired", "expired")))
    assert items[1].error.code == "batch_expired" and items[1].error.custom_id == "b"


def test_an_input_file_with_an_unreadable_custom_id_is_a_typed_error(tmp_path):
    (tmp_path / "in").write_bytes(b'{"custom_id": "\xff", "body": {}}\n')
    with pytest.raises(BatchOutputError, match="no readable custom_id"):
        read_custom_ids(tmp_path / "in")


def test_a_line_error_survives_pickling():
    error = BatchOutputLineError("a", 3, "no line answers it", "missing_line")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is BatchOutputLineError and str(again) == str(error)
    assert (again.custom_id, again.index, again.code) == ("a", 3, "missing_line")


@pytest.mark.parametrize(
    ("file_id", "plain"),
    [
        ("file-abc123", True),
        ("67ed1a2b3c.jsonl", True),
        ("../../x", False),
        ("..", False),
        ("a..b", False),
        ("/etc/passwd", False),
        ("C:\\x", False),
        ("dir/file", False),
        ("file\nid", False),
        ("file\x00", False),
        (".hidden", False),
        ("", False),
        ("f" * 255, True),
        ("f" * 256, False),
        (12, False),
    ],
)
def test_only_plain_file_ids_pass(file_id, plain):
    assert is_plain_file_id(file_id) is plain


def test_every_file_id_is_checked_before_any_is_used():
    good = SimpleNamespace(
        id="batch_1", input_file_id="file-in", output_file_id="file-out", error_file_id=None
    )
    bad = SimpleNamespace(
        id="batch_2", input_file_id="file-in2", output_file_id="file-out2", error_file_id="/x"
    )
    assert [(f.name, f.file_id) for f in batch_files("job", [good], [False])] == [
        ("batch-0-output.jsonl", "file-out")
    ]
    with pytest.raises(BatchFileIdError, match="error_file_id '/x' is not a plain file id"):
        batch_files("job", [good, bad], [True, True])


def running(status="in_progress"):
    from kluster_integrations.core.batch_api import BatchStatus

    return BatchStatus(status, total=10, completed=3, failed=0)


def test_polling_backs_off_to_thirty_seconds_unless_an_interval_is_given():
    from kluster_integrations.core.batch_api._polling import Poller

    backing_off = Poller("job", None, None, progress=False)
    delays = [backing_off.after(running()) for _ in range(12)]
    assert delays[:3] == [1.0, 1.5, 2.25]
    assert delays[-1] == 30.0 and max(delays) == 30.0
    fixed = Poller("job", 5.0, None, progress=False)
    assert [fixed.after(running()) for _ in range(3)] == [5.0, 5.0, 5.0]
    assert fixed.after(running("completed")) is None
    with pytest.raises(ValueError, match="poll_interval"):
        Poller("job", 0, None, progress=False)


def test_the_last_wait_is_cut_to_the_deadline():
    from kluster_integrations.core.batch_api._polling import Poller
    from kluster_integrations.core.errors import BatchTimeoutError

    poller = Poller("job", 30.0, 0.5, progress=False)
    assert poller.after(running()) <= 0.5
    poller.deadline = 0.0  # the deadline has passed
    with pytest.raises(BatchTimeoutError, match="still in_progress"):
        poller.after(running())
