"""The channel watchdog: stall deadline, ticks and ends on the beat (short real timers)."""

from __future__ import annotations

import asyncio
import time

import pytest

from streamfleet.engine.beat import Beat
from streamfleet.engine.watchdog import RECHECK_S, Watchdog


class Channel:
    """What a runner gives the watchdog: a deadline that progress moves, and a tick."""

    def __init__(self, stale_s: float, tick_reason: str | None = None) -> None:
        self.stale_s = stale_s
        self.last_progress = time.monotonic()
        self.ticks = 0
        self.tick_reason = tick_reason

    def deadline(self) -> float:
        return self.last_progress + self.stale_s

    def tick(self, now: float) -> str | None:
        self.ticks += 1
        return self.tick_reason

    def watchdog(self, tick_s: float) -> Watchdog:
        return Watchdog(time.monotonic, self.deadline, lambda: "source silent", self.tick, tick_s)


async def test_a_silent_child_is_reported_at_its_stall_deadline() -> None:
    """No progress at all: the stall reason comes at the deadline, not before."""
    channel = Channel(stale_s=0.2)
    started = time.monotonic()
    reason = await channel.watchdog(tick_s=10.0).watch(asyncio.get_running_loop().create_future())
    assert reason == "source silent"
    assert 0.19 <= time.monotonic() - started < 2.0


async def test_progress_moves_the_deadline_and_ticks_run_until_it_stops() -> None:
    """While progress arrives the watch goes on ticking; once it stops, the stall is reported."""
    loop = asyncio.get_running_loop()
    channel = Channel(stale_s=0.15)

    def progress(times_left: int) -> None:
        channel.last_progress = time.monotonic()
        if times_left:
            loop.call_later(0.05, progress, times_left - 1)

    progress(10)  # 0.5 s of progress
    started = time.monotonic()
    reason = await channel.watchdog(tick_s=0.1).watch(loop.create_future())
    assert reason == "source silent"
    assert time.monotonic() - started >= 0.5
    assert channel.ticks >= 3


async def test_an_ended_future_ends_the_watch_without_a_reason() -> None:
    """The child exited (or a stop was asked): ``None``."""
    loop = asyncio.get_running_loop()
    exited: asyncio.Future[int] = loop.create_future()
    loop.call_later(0.05, exited.set_result, 0)
    assert await Channel(stale_s=5.0).watchdog(tick_s=0.02).watch(exited) is None


async def test_an_end_seen_with_a_stall_due_counts_as_the_end() -> None:
    """An exit already known when the deadline has passed wins, as the exit tells more."""
    loop = asyncio.get_running_loop()
    exited: asyncio.Future[int] = loop.create_future()
    exited.set_result(0)
    channel = Channel(stale_s=-1.0)
    assert await channel.watchdog(tick_s=1.0).watch(loop.create_future(), exited) is None


async def test_a_tick_that_finds_a_problem_ends_the_watch_with_it() -> None:
    """The output watchdog runs in the tick: its reason ends the watch."""
    channel = Channel(stale_s=5.0, tick_reason="playlist not updated for 7 s")
    reason = await channel.watchdog(tick_s=0.05).watch(asyncio.get_running_loop().create_future())
    assert reason == "playlist not updated for 7 s"
    assert channel.ticks == 1


async def test_an_error_in_a_tick_is_raised_by_the_watch() -> None:
    """A bug in a check ends the attempt loudly instead of leaving the channel unwatched."""

    def broken(now: float) -> str | None:
        raise ZeroDivisionError("bad metric")

    watchdog = Watchdog(time.monotonic, lambda: time.monotonic() + 5, lambda: "", broken, 0.02)
    with pytest.raises(ZeroDivisionError, match="bad metric"):
        await watchdog.watch(asyncio.get_running_loop().create_future())


def test_on_uvloop_the_beat_wakes_once_per_period_instead_of_spinning() -> None:
    """uvloop fires timers up to 1 ms early: neither the beat nor the watchdog may re-arm
    for the rest; the watchdog acts once per due time, the beat wakes once per period."""
    uvloop = pytest.importorskip("uvloop")
    channel = Channel(stale_s=60.0)
    beat = Beat(time.monotonic, period_s=0.02)
    watchdog = Watchdog(time.monotonic, channel.deadline, lambda: "", channel.tick, 0.02, beat)

    async def watch_for_half_a_second() -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        loop.call_later(0.5, done.set_result, None)
        assert await watchdog.watch(done) is None

    uvloop.run(watch_for_half_a_second())
    assert channel.ticks >= 10
    assert watchdog.wakeups <= channel.ticks + 3, (watchdog.wakeups, channel.ticks)
    assert beat.beats <= 0.5 / 0.02 + 3, beat.beats


async def test_watchdogs_sharing_a_beat_are_each_judged_on_their_own() -> None:
    """One beat for many channels: a silent one is reported, a fed one goes on ticking."""
    loop = asyncio.get_running_loop()
    beat = Beat(time.monotonic)
    silent, fed = Channel(stale_s=0.2), Channel(stale_s=0.2)

    def feed() -> None:
        fed.last_progress = time.monotonic()
        loop.call_later(0.05, feed)

    feed()
    fed_watch = asyncio.ensure_future(
        Watchdog(time.monotonic, fed.deadline, lambda: "fed", fed.tick, 0.1, beat).watch(
            loop.create_future()
        )
    )
    silent_dog = Watchdog(time.monotonic, silent.deadline, lambda: "silent", silent.tick, 0.1, beat)
    assert await silent_dog.watch(loop.create_future()) == "silent"
    assert not fed_watch.done()
    assert fed.ticks >= 1
    fed_watch.cancel()


async def test_a_deadline_passed_while_the_process_was_frozen_is_judged_again() -> None:
    """The whole machine paused across the deadline (the child with it): progress that comes
    right after the pause ends is not a stall."""
    loop = asyncio.get_running_loop()
    channel = Channel(stale_s=0.2)
    done: asyncio.Future[None] = loop.create_future()

    def progress() -> None:
        channel.last_progress = time.monotonic()

    def freeze() -> None:
        time.sleep(0.6)  # past the deadline; nothing runs, the child writes nothing
        loop.call_later(0.05, progress)  # the child's first progress after the pause
        loop.call_later(0.15, done.set_result, None)

    loop.call_later(0.05, freeze)
    assert await channel.watchdog(tick_s=10.0).watch(done) is None


async def test_a_child_still_silent_after_the_recheck_is_a_stall() -> None:
    """A late wake-up delays the verdict by the recheck, never hides a real stall."""
    loop = asyncio.get_running_loop()
    channel = Channel(stale_s=0.2)
    loop.call_later(0.05, time.sleep, 0.6)
    started = time.monotonic()
    reason = await channel.watchdog(tick_s=10.0).watch(loop.create_future())
    assert reason == "source silent"
    assert 0.6 + RECHECK_S <= time.monotonic() - started < 3.0
