"""Background loops: one that raises is logged and started again; a periodic pass runs at
start, then every interval, an expected error a warning; cancelling or stopping ends them."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable

import pytest
from structlog.testing import capture_logs

from streamfleet.background import Periodic, keep_running


async def test_a_loop_that_raises_is_logged_and_runs_again() -> None:
    runs: list[int] = []
    second_run = asyncio.Event()

    async def loop() -> None:
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            raise RuntimeError("index row without a path")
        second_run.set()
        await asyncio.Event().wait()

    with capture_logs() as logs:
        task = asyncio.create_task(keep_running("archive-index", loop, first_pause_s=0.01))
        await asyncio.wait_for(second_run.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert runs == [1, 2]
    crashed = [e for e in logs if e["event"] == "engine.task_crashed"]
    assert len(crashed) == 1
    assert crashed[0]["task"] == "archive-index"
    assert crashed[0]["log_level"] == "error"


async def test_the_pause_doubles_up_to_its_cap_while_the_loop_keeps_failing() -> None:
    failures = 0
    done = asyncio.Event()

    async def loop() -> None:
        nonlocal failures
        failures += 1
        if failures == 5:
            done.set()
            await asyncio.Event().wait()
        raise OSError("disk gone")

    with capture_logs() as logs:
        task = asyncio.create_task(
            keep_running("archive-retention", loop, first_pause_s=0.001, max_pause_s=0.004)
        )
        await asyncio.wait_for(done.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    pauses = [e["restart_in_s"] for e in logs if e["event"] == "engine.task_crashed"]
    assert pauses == [0.001, 0.002, 0.004, 0.004]


async def test_a_periodic_pass_runs_at_start_then_every_interval_until_stopped() -> None:
    passes: list[float] = []
    third = asyncio.Event()

    async def run_once() -> None:
        passes.append(asyncio.get_running_loop().time())
        if len(passes) == 3:
            third.set()

    periodic = Periodic(
        "audit-retention", run_once, interval_s=0.05, expected=(OSError,), failed_event="x"
    )
    periodic.start()
    periodic.start()  # once only
    await asyncio.wait_for(third.wait(), 5)
    await periodic.stop()
    count = len(passes)
    await asyncio.sleep(0)  # a stopped task runs no pass

    assert not periodic.running
    assert len(passes) == count
    assert all(b - a >= 0.04 for a, b in itertools.pairwise(passes))


def failing_first(error: Exception) -> tuple[Callable[[], Awaitable[None]], asyncio.Event]:
    """A pass that raises ``error`` the first time, and the event its second pass sets."""
    passes = 0
    second = asyncio.Event()

    async def run_once() -> None:
        nonlocal passes
        passes += 1
        if passes == 1:
            raise error
        second.set()

    return run_once, second


async def test_an_expected_error_is_a_warning_and_the_next_pass_runs_after_the_interval() -> None:
    run_once, second = failing_first(OSError("disk gone"))
    periodic = Periodic(
        "fleet-archive-retention",
        run_once,
        interval_s=0.01,
        expected=(OSError,),
        failed_event="archive.retention_failed",
    )
    with capture_logs() as logs:
        periodic.start()
        await asyncio.wait_for(second.wait(), 5)
        await periodic.stop()

    failed = [e for e in logs if e["event"] == "archive.retention_failed"]
    assert failed == [
        {"event": "archive.retention_failed", "error": "disk gone", "log_level": "warning"}
    ]
    assert not [e for e in logs if e["event"] == "engine.task_crashed"]


async def test_an_unexpected_error_does_not_end_a_periodic_task() -> None:
    run_once, second = failing_first(RuntimeError("a bug"))
    periodic = Periodic(
        "audit-retention", run_once, interval_s=60, expected=(OSError,), failed_event="x"
    )
    with capture_logs() as logs:
        periodic.start()
        # keep_running's first pause (1 s) comes before the loop starts again.
        await asyncio.wait_for(second.wait(), 5)
        await periodic.stop()

    crashed = [e for e in logs if e["event"] == "engine.task_crashed"]
    assert [e["task"] for e in crashed] == ["audit-retention"]
