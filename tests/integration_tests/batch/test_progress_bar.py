"""The wait's progress bar: requests per second of wall time since the first status seen
(not the requests done before the bar existed, over a few milliseconds), and its last line
drawn once."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kluster_integrations.emulator._batch_store import BatchFault
from kluster_integrations.emulator._server import KlusterEmulator
from kluster_integrations.langchain.chat_models import ChatKluster

SECONDS_PER_LINE = 0.01
#: The emulator runs at most one line per SECONDS_PER_LINE; the rate shown may round up
#: (whole requests over short times), never by orders of magnitude.
MAX_RATE = 5 / SECONDS_PER_LINE


def drawn(stderr: str) -> list[str]:
    """Each state the bar drew (tqdm redraws with a carriage return off a terminal)."""
    return [line.strip() for line in re.split(r"[\r\n]", stderr) if line.strip()]


def rates(lines: list[str]) -> list[float]:
    return [float(rate) for line in lines for rate in re.findall(r"([\d.]+)req/s", line)]


def test_the_rate_counts_wall_time_and_the_last_line_is_drawn_once(
    kluster_env: KlusterEmulator, kluster_batches: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    kluster_batches.add_fault(BatchFault(seconds_per_line=SECONDS_PER_LINE))
    job = ChatKluster().submit_batch([f"t{n}" for n in range(60)])
    while job.status().completed < 5:  # some requests are done before the wait starts
        pass
    job.wait(poll_interval=0.05)
    lines = drawn(capsys.readouterr().err)
    assert "60/60" in lines[-1] and "status=completed" in lines[-1]
    assert [line for line in lines if "status=completed" in line] == [lines[-1]]
    assert rates(lines) and max(rates(lines)) <= MAX_RATE, lines

    ChatKluster().get_batch(job.id).wait(poll_interval=0.05)  # finished at the first look
    lines = drawn(capsys.readouterr().err)
    assert [line for line in lines if "60/60" in line] == [lines[-1]]
    assert all(rate == 0 for rate in rates(lines)), lines
