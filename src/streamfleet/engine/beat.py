"""One timer for all of an engine's running channels: their progress pipes and watchdogs.

Each running channel has a pipe FFmpeg writes a ``-progress`` block into twice a second,
and a watchdog that must look at its stall deadline and tick once a second. Woken per
event, 60 channels woke ``serve``'s loop about 280 times a second, and on a quiet
virtual machine each wake-up of an idle process (a switch in, ``epoll_wait``, the
loop's iteration, a switch out) cost more than the few microseconds of work it was for.

``Beat`` wakes every ``BEAT_S`` instead: it reads every progress pipe that has bytes (one
``epoll_wait`` of its own, with no wait) and hands them on, then asks the members (the
watchdogs) that are due. The loop wakes ``1 / BEAT_S`` times a second whatever the
number of channels. Each member answers with the time it next wants to be asked, and the
beat keeps them in a heap by that time: a beat asks only the few that are due (at 60
channels about three ticks a beat), not all of them (at 60 channels 1 200 calls a
second, 6 % of ``serve``'s CPU in a profile, nearly all answering "not yet").

A byte is seen at most ``BEAT_S`` after FFmpeg wrote it and a deadline judged at most
``BEAT_S`` after it passed, so detection takes ``BEAT_S`` longer on average and never more
than twice that; pipes are read before members are asked, so a block that arrived in time is
never taken for a stall. With nothing to follow the beat stops, and an idle server does not
wake for it."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import os
import select
from collections.abc import Callable
from typing import Final

import structlog

log = structlog.get_logger()

BEAT_S: Final = 0.05
"""How often the beat wakes while anything is followed."""
READ_CHUNK: Final = 65536
"""At most this much is read from one pipe per beat (FFmpeg writes ~300 bytes a block)."""
DUE_SLACK_S: Final = 0.002
"""A member due this soon is asked now: uvloop's timers have millisecond resolution and
fire up to a millisecond early."""

Member = Callable[[float], float | None]
"""Called with the time at the first beat at or after its due time; returns its next due
time (asked at the next beat when that has already passed), or ``None`` when it needs no
more beats."""


class Beat:
    """The engine's shared timer (bound to the running loop at first use)."""

    def __init__(self, clock: Callable[[], float], period_s: float = BEAT_S) -> None:
        self._clock = clock
        self.period_s = period_s
        self._members: list[tuple[float, int, Member]] = []
        """A heap of (due time, order of arrival, member)."""
        self._order = itertools.count()
        self._pipes: dict[int, Callable[[bytes], None]] = {}
        self._epoll: select.epoll | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._due = 0.0
        self.beats = 0
        """Wake-ups so far (what following costs the loop)."""

    # -- what is followed ----------------------------------------------------------------

    def add(self, member: Member) -> None:
        """Ask ``member`` at the next beat, then whenever it says."""
        heapq.heappush(self._members, (-math.inf, next(self._order), member))
        self._start()

    def follow(self, fd: int, on_bytes: Callable[[bytes], None]) -> None:
        """Read ``fd`` (non-blocking) at every beat and hand what it holds to ``on_bytes``,
        until its writer closes it or ``unfollow(fd)``."""
        if self._epoll is None:
            self._epoll = select.epoll()
        self._epoll.register(fd, select.EPOLLIN)
        self._pipes[fd] = on_bytes
        self._start()

    def follows(self, fd: int) -> bool:
        return fd in self._pipes

    @property
    def running(self) -> bool:
        """A beat is armed (something is followed)."""
        return self._timer is not None

    def drain(self, fd: int) -> None:
        """Hand on everything ``fd`` holds now (a child that ended: its last block)."""
        on_bytes = self._pipes.get(fd)
        if on_bytes is not None:
            while self._read(fd, on_bytes):  # False once empty, or ended and unfollowed
                pass

    def unfollow(self, fd: int) -> None:
        if self._pipes.pop(fd, None) is not None and self._epoll is not None:
            self._epoll.unregister(fd)

    # -- the timer -----------------------------------------------------------------------

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._timer is not None and self._loop is loop:
            return
        self._loop = loop  # a timer left on a closed loop (a test's) is forgotten
        self._due = self._clock() + self.period_s
        self._timer = loop.call_later(self.period_s, self._fire)

    def _fire(self) -> None:
        # ``_timer`` keeps this spent handle until the end: an add or follow made by a
        # callback below finds the beat running and arms no second timer.
        self.beats += 1
        if self._pipes:
            self._read_ready()
        now = self._clock()
        if self._members:
            self._ask(now)
        if not self._members and not self._pipes:
            self._timer = None  # nothing to follow: stopped until the next add or follow
            return
        due = self._due + self.period_s
        self._due = due if due > now else now + self.period_s  # a late beat skips, never races
        assert self._loop is not None
        self._timer = self._loop.call_later(self._due - now, self._fire)

    def _read_ready(self) -> None:
        assert self._epoll is not None
        for fd, _ in self._epoll.poll(0):
            on_bytes = self._pipes.get(fd)
            if on_bytes is not None:
                self._read(fd, on_bytes)

    def _read(self, fd: int, on_bytes: Callable[[bytes], None]) -> bool:
        """One read of ``fd``; False when it had nothing (or ended, and is no longer followed)."""
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data:  # the writer closed it: nothing more will come
            self.unfollow(fd)
            return False
        try:
            on_bytes(data)
        except Exception:  # one channel's bug must not stop the others' beat
            log.exception("engine.beat_pipe_failed", fd=fd)
        return True

    def _ask(self, now: float) -> None:
        members = self._members
        due: list[tuple[float, int, Member]] = []
        while members and members[0][0] <= now + DUE_SLACK_S:
            due.append(heapq.heappop(members))  # a member added while asking waits a beat
        for _, order, member in due:
            try:
                again = member(now)
            except Exception:
                log.exception("engine.beat_member_failed")
                again = None
            if again is not None:
                heapq.heappush(members, (again, order, member))
