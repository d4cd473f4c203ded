"""A background loop that raises is logged and started again; cancelling it ends it."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from streamfleet.engine.background import keep_running


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
