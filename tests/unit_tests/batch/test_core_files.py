"""The batch engine's file handling, without a server: writing, splitting, reading back."""

from __future__ import annotations

import json

import pytest

from kluster_integrations.core.batch import BatchInputError, BatchOutputError
from kluster_integrations.core.batch.reader import ResultIndex, custom_id_of, read_custom_ids
from kluster_integrations.core.batch.submit import check_custom_ids, write_parts

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
    ("content", "fragment"),
    [
        (result_line("a") + result_line("a"), "answered twice"),
        (result_line("zzz"), "not in the input"),
        ("not json at all\n", "not JSON"),
        ('{"id": "r"}\n', "no custom_id"),
    ],
)
def test_broken_output_files_are_typed_errors(tmp_path, content, fragment):
    (tmp_path / "out").write_text(content)
    index = ResultIndex("job", ["a", "b"])
    with pytest.raises(BatchOutputError, match=fragment):
        index.add_file(tmp_path / "out")
        list(index.items(not_run=None))


def test_missing_lines_are_errors_only_when_the_batch_did_not_finish(tmp_path):
    (tmp_path / "out").write_text(result_line("a"))
    index = ResultIndex("job", ["a", "b"])
    index.add_file(tmp_path / "out")
    with pytest.raises(BatchOutputError, match="1 of 2"):
        list(index.items(not_run=None))
    items = list(index.items(not_run=("batch_expired", "expired")))
    assert items[1].error.code == "batch_expired" and items[1].error.custom_id == "b"


def running(status="in_progress"):
    from kluster_integrations.core.batch import BatchStatus

    return BatchStatus(status, total=10, completed=3, failed=0)


def test_polling_backs_off_to_thirty_seconds_unless_an_interval_is_given():
    from kluster_integrations.core.batch.polling import Poller

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
    from kluster_integrations.core.batch import BatchTimeoutError
    from kluster_integrations.core.batch.polling import Poller

    poller = Poller("job", 30.0, 0.5, progress=False)
    assert poller.after(running()) <= 0.5
    poller.deadline = 0.0  # the deadline has passed
    with pytest.raises(BatchTimeoutError, match="still in_progress"):
        poller.after(running())
