"""The shared budget of one account and model: the window counts starts from when they may
have reached the server, requests at once are bounded, a 429 pauses everyone and cuts the
requests at once, waiters are served in order, from threads and event loops alike."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from kluster_integrations.core.rate_limits import ARRIVAL_MARGIN, Budget, ModelLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def taken(budget: Budget, limits: ModelLimits, count: int):
    slots = [budget.acquire(limits, until=None) for _ in range(count)]
    assert all(slot is not None for slot in slots)
    return slots


def test_no_more_starts_than_the_limit_in_any_window():
    clock = Clock()
    budget = Budget(clock)
    limits = ModelLimits(requests=3, window=60.0)
    for slot in taken(budget, limits, 3):
        slot.release()
    assert budget.acquire(limits, until=clock.now) is None  # full, and no time to wait
    # Unanswered starts count from sending plus the arrival margin.
    assert budget._next_change(clock.now) == pytest.approx(60.0 + ARRIVAL_MARGIN)
    clock.now += 60.0 + ARRIVAL_MARGIN
    assert budget.acquire(limits, until=clock.now) is not None


def test_a_start_answered_quickly_counts_from_its_answer():
    clock = Clock()
    budget = Budget(clock)
    limits = ModelLimits(requests=1, window=60.0)
    (slot,) = taken(budget, limits, 1)
    clock.now += 0.2
    slot.answered(200, None)
    slot.release()
    assert budget._next_change(clock.now) == pytest.approx(60.0)
    clock.now += 60.0
    assert budget.acquire(limits, until=clock.now) is not None


def test_requests_at_once_are_bounded_until_released():
    budget = Budget(Clock())
    limits = ModelLimits(concurrent=2)
    first, _second = taken(budget, limits, 2)
    assert budget.in_flight == 2
    assert budget.acquire(limits, until=0.0) is None
    first.release()
    first.release()  # again: nothing
    assert budget.in_flight == 1
    assert budget.acquire(limits, until=0.0) is not None


def test_a_429_pauses_the_budget_for_its_retry_after_and_halves_the_requests_at_once():
    clock = Clock()
    budget = Budget(clock)
    limits = ModelLimits(concurrent=8)
    slots = taken(budget, limits, 8)
    slots[0].answered(429, 7.0)
    assert budget.paused_for == pytest.approx(7.0)
    assert budget.at_once == 4
    slots[1].answered(429, 2.0)  # sent before the cut: no second halving, pause kept
    assert budget.at_once == 4 and budget.paused_for == pytest.approx(7.0)
    for slot in slots:
        slot.release()
    assert budget.acquire(limits, until=clock.now) is None
    clock.now += 7.0
    after = taken(budget, limits, 4)
    assert budget.acquire(limits, until=clock.now) is None  # 4 at once for now
    for slot in after:
        slot.answered(200, None)  # each answer allows one more at once
    assert budget.at_once == 8


def test_a_429_without_retry_after_backs_off_doubling():
    clock = Clock()
    budget = Budget(clock)
    limits = ModelLimits(requests=100)
    pauses = []
    for _ in range(4):
        (slot,) = taken(budget, limits, 1)
        slot.answered(429, None)
        slot.release()
        pauses.append(budget.paused_for)
        clock.now += budget.paused_for
    assert pauses == [1.0, 2.0, 4.0, 8.0]
    (slot,) = taken(budget, limits, 1)
    slot.answered(200, None)
    slot.answered(429, None)
    assert budget.paused_for == 1.0  # an answer in between starts the backoff over


@pytest.mark.parametrize("retry_after", [1e12, -5.0, float("nan")])
def test_a_retry_after_that_cannot_be_meant_is_bounded(retry_after):
    budget = Budget(Clock())
    (slot,) = taken(budget, ModelLimits(requests=10), 1)
    slot.answered(429, retry_after)
    assert 0.0 <= budget.paused_for <= 3_600.0


def test_waiting_threads_are_served_first_come_first_served():
    budget = Budget()
    limits = ModelLimits(concurrent=1)
    (holder,) = taken(budget, limits, 1)
    order: list[int] = []

    def wait_in_line(number: int) -> None:
        slot = budget.acquire(limits, until=None)
        assert slot is not None
        order.append(number)
        slot.release()

    threads = []
    for number in range(5):
        threads.append(threading.Thread(target=wait_in_line, args=(number,)))
        threads[-1].start()
        while budget.queued < number + 1:
            time.sleep(0.001)
    holder.release()
    for thread in threads:
        thread.join(timeout=10)
    assert order == [0, 1, 2, 3, 4]


def test_threads_and_event_loops_share_one_bound():
    budget = Budget()
    limits = ModelLimits(concurrent=3)
    lock = threading.Lock()
    now_in = [0]
    most = [0]

    def enter() -> None:
        with lock:
            now_in[0] += 1
            most[0] = max(most[0], now_in[0])

    def leave() -> None:
        with lock:
            now_in[0] -= 1

    def in_a_thread() -> None:
        for _ in range(10):
            slot = budget.acquire(limits, until=None)
            assert slot is not None
            enter()
            time.sleep(0.002)
            leave()
            slot.release()

    async def one_task() -> None:
        slot = await budget.aacquire(limits, until=None)
        assert slot is not None
        enter()
        await asyncio.sleep(0.002)
        leave()
        slot.release()

    def a_loop() -> None:
        async def many() -> None:
            await asyncio.gather(*(one_task() for _ in range(20)))

        asyncio.run(many())

    workers = [threading.Thread(target=in_a_thread) for _ in range(3)]
    workers += [threading.Thread(target=a_loop) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert most[0] == 3
    assert budget.in_flight == 0 and budget.queued == 0


def test_a_cancelled_waiter_leaves_the_line_without_taking_a_slot():
    budget = Budget()
    limits = ModelLimits(concurrent=1)
    (holder,) = taken(budget, limits, 1)

    async def cancel_one() -> None:
        task = asyncio.ensure_future(budget.aacquire(limits, until=None))
        while budget.queued == 0:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_one())
    assert budget.queued == 0
    holder.release()
    assert budget.in_flight == 0


def test_an_async_wait_ends_at_its_deadline():
    budget = Budget()
    limits = ModelLimits(concurrent=1)
    taken(budget, limits, 1)

    async def wait_briefly():
        return await budget.aacquire(limits, until=time.monotonic() + 0.05)

    assert asyncio.run(wait_briefly()) is None
    assert budget.queued == 0


def test_a_release_from_a_finalizer_under_the_lock_is_handed_back_later():
    budget = Budget(Clock())
    limits = ModelLimits(concurrent=1)
    (slot,) = taken(budget, limits, 1)
    with budget._lock:  # as if collected while this thread holds the lock
        slot.release()
        assert budget.in_flight == 1
    assert budget.acquire(limits, until=0.0) is not None  # the next look settles it
