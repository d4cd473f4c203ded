"""Identical reads in flight share one computation; nothing is kept after it."""

from __future__ import annotations

import asyncio
import contextlib
import gc

import pytest

from streamfleet.shared_reads import SharedReads


class Slow:
    """A computation that waits until released and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()

    async def __call__(self) -> int:
        self.runs += 1
        run = self.runs
        await self.release.wait()
        return run


async def test_callers_of_one_key_in_flight_share_one_run() -> None:
    reads: SharedReads[int] = SharedReads()
    slow = Slow()
    callers = [asyncio.ensure_future(reads.run("page", slow)) for _ in range(10)]
    await asyncio.sleep(0)
    slow.release.set()
    assert await asyncio.gather(*callers) == [1] * 10
    assert (slow.runs, reads.computed, reads.joined) == (1, 1, 9)


async def test_different_keys_run_apart_and_a_finished_run_is_not_kept() -> None:
    reads: SharedReads[int] = SharedReads()
    slow = Slow()
    slow.release.set()
    assert await asyncio.gather(reads.run("a", slow), reads.run("b", slow)) == [1, 2]
    assert await reads.run("a", slow) == 3  # computed again, not answered from a cache


async def test_a_caller_that_goes_away_does_not_cancel_the_run_for_the_others() -> None:
    reads: SharedReads[int] = SharedReads()
    slow = Slow()
    first = asyncio.ensure_future(reads.run("page", slow))
    second = asyncio.ensure_future(reads.run("page", slow))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    slow.release.set()
    assert await second == 1
    assert first.cancelled()


async def test_a_failure_reaches_every_caller_and_the_next_call_runs_again() -> None:
    reads: SharedReads[int] = SharedReads()
    attempts = 0

    async def broken() -> int:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0.01)
        if attempts == 1:
            raise ConnectionError("database went away")
        return attempts

    results = await asyncio.gather(
        reads.run("page", broken), reads.run("page", broken), return_exceptions=True
    )
    assert [type(r) for r in results] == [ConnectionError, ConnectionError]
    assert await reads.run("page", broken) == 2


async def test_a_failed_run_whose_callers_all_left_logs_no_unretrieved_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reads: SharedReads[int] = SharedReads()

    async def broken() -> int:
        await asyncio.sleep(0.01)
        raise ConnectionError("database went away")

    caller = asyncio.ensure_future(reads.run("page", broken))
    await asyncio.sleep(0)
    caller.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await caller
    del caller  # its traceback holds the run's frame, and with it the task
    await asyncio.sleep(0.05)  # the run fails with nobody awaiting it
    gc.collect()  # a task whose exception nobody retrieved says so when it is collected
    assert "never retrieved" not in caplog.text
