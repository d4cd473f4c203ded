"""The engine's beat: pipes read and members asked on one timer, stopped when idle (real
pipes and timers)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections.abc import Callable, Iterator

import pytest

from streamfleet.engine.beat import Beat


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
    os.set_blocking(read_fd, False)
    yield read_fd, write_fd
    for fd in (read_fd, write_fd):
        with contextlib.suppress(OSError):
            os.close(fd)


def followed(read_fd: int, period_s: float) -> tuple[Beat, list[bytes]]:
    """A beat following ``read_fd`` and the chunks it hands on."""
    beat = Beat(time.monotonic, period_s=period_s)
    chunks: list[bytes] = []
    beat.follow(read_fd, chunks.append)
    return beat, chunks


async def wait_for(condition: Callable[[], object], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_bytes_written_between_beats_arrive_together_at_the_next_beat(
    pipe: tuple[int, int],
) -> None:
    read_fd, write_fd = pipe
    beat, chunks = followed(read_fd, 0.2)
    os.write(write_fd, b"frame=1\n")
    os.write(write_fd, b"progress=continue\n")
    await wait_for(lambda: chunks)
    assert chunks == [b"frame=1\nprogress=continue\n"]  # one read for both writes
    beat.unfollow(read_fd)


async def test_a_closed_pipe_is_no_longer_followed_and_an_idle_beat_stops(
    pipe: tuple[int, int],
) -> None:
    read_fd, write_fd = pipe
    beat, chunks = followed(read_fd, 0.01)
    os.write(write_fd, b"last block\n")
    os.close(write_fd)
    await wait_for(lambda: not beat.follows(read_fd))
    assert chunks == [b"last block\n"]
    stopped_at = beat.beats
    await asyncio.sleep(0.1)
    assert beat.beats == stopped_at  # nothing followed: no more wake-ups


async def test_drain_hands_on_what_a_pipe_holds_without_waiting_for_a_beat(
    pipe: tuple[int, int],
) -> None:
    read_fd, write_fd = pipe
    beat, chunks = followed(read_fd, 60.0)
    os.write(write_fd, b"out_time_us=5\nprogress=end\n")
    beat.drain(read_fd)
    assert chunks == [b"out_time_us=5\nprogress=end\n"]
    beat.drain(read_fd)  # nothing more: returns at once
    assert len(chunks) == 1
    beat.unfollow(read_fd)


async def test_members_due_at_once_are_asked_each_beat_until_done_a_failing_one_dropped() -> None:
    beat = Beat(time.monotonic, period_s=0.01)
    asked: list[str] = []

    def three_times(now: float) -> float | None:
        asked.append("three")
        return None if asked.count("three") == 3 else now

    def broken(now: float) -> float | None:
        asked.append("broken")
        raise ZeroDivisionError("a bug in one channel")

    beat.add(three_times)
    beat.add(broken)
    await wait_for(lambda: asked.count("three") == 3)
    await asyncio.sleep(0.05)
    assert asked.count("three") == 3
    assert asked.count("broken") == 1  # dropped, and the others went on
    assert not beat.running


async def test_a_late_beat_skips_ahead_instead_of_catching_up() -> None:
    """A loop blocked for 0.3 s gets one beat after it, not the 30 it missed at once."""
    beat = Beat(time.monotonic, period_s=0.01)
    times: list[float] = []

    def member(now: float) -> float | None:
        times.append(now)
        if len(times) == 2:
            time.sleep(0.3)  # the loop blocked right after this beat
        return None if len(times) >= 6 else now

    beat.add(member)
    await wait_for(lambda: len(times) >= 6)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) >= 0.25
    assert all(gap >= 0.005 for gap in gaps), gaps


async def test_a_member_added_during_a_beat_joins_it_without_a_second_timer() -> None:
    """A callback that starts following something mid-beat must not arm a second timer: the
    beat still wakes once per period and, once idle, not at all."""
    beat = Beat(time.monotonic, period_s=0.01)
    asked: list[str] = []

    def later(now: float) -> float | None:
        asked.append("later")
        return None if len(asked) >= 10 else now

    def first(now: float) -> float | None:
        asked.append("first")
        beat.add(later)  # added while the beat is asking its members
        return None

    beat.add(first)
    await wait_for(lambda: len(asked) >= 10)
    await wait_for(lambda: not beat.running)
    stopped_at = beat.beats
    await asyncio.sleep(0.1)
    assert beat.beats == stopped_at == len(asked), (beat.beats, asked)


async def test_a_member_is_asked_only_at_the_beats_after_the_time_it_named() -> None:
    """Members are kept by their next due time: a beat asks only those that are due, in
    the order of their due times, and never one before its time."""
    beat = Beat(time.monotonic, period_s=0.01)
    asked: list[tuple[str, float, float]] = []

    def every(name: str, interval_s: float, times: int) -> Callable[[float], float | None]:
        due = 0.0

        def member(now: float) -> float | None:
            nonlocal due
            asked.append((name, due, now))
            due = now + interval_s
            return None if sum(1 for a in asked if a[0] == name) >= times else due

        return member

    beat.add(every("slow", 0.2, 3))
    beat.add(every("fast", 0.02, 12))
    await wait_for(lambda: len(asked) == 15)
    await wait_for(lambda: not beat.running)
    assert all(now >= due - 0.002 for _, due, now in asked), asked  # never early
    slow = [now for name, _, now in asked if name == "slow"]
    assert all(gap >= 0.198 for gap in (b - a for a, b in itertools.pairwise(slow))), slow
    assert beat.beats > len(slow)  # the slow one sat out the beats in between
