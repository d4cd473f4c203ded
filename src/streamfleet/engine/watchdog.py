"""The watchdog of one running child: a stall deadline and a regular tick, on one timer.

``Watchdog.watch(*ended)`` returns ``None`` as soon as one of ``ended`` (the
child's exit, a stop request) is done, or the stall reason once ``clock()``
passes ``stall_deadline()``; in between it calls ``tick(now)`` every
``tick_s`` seconds, and a tick that returns a reason ends the watch with it.

It is one timer callback re-armed for whichever comes first, not an
``asyncio.wait`` per wake-up: a channel wakes about twice a second, and with
60 channels the waits (a waiter future, callbacks on both tasks, a timer and a
task step each time) cost more than the checks. The deadline is asked again at
every wake-up, so progress that moves it needs no re-arming. A wake-up within
``TIMER_SLACK_S`` of its due time counts as due: uvloop's timers have
millisecond resolution and fire up to a millisecond early, and re-arming for
the rest would spin the loop until the millisecond is over.

A stall is evidence only if the machine ran while the deadline passed. A wake-up
more than ``LATE_WAKE_S`` after its due time means this process did not run
then (a loop blocked, a virtual machine paused, a swap storm), and the child,
frozen with it, may not have had its turn to write either: the deadline is
judged once more ``RECHECK_S`` later, after the pipes were read, and only a
deadline still passed then is a stall.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final

TIMER_SLACK_S: Final = 0.002
"""A wake-up this close to its due time counts as due (timer resolution)."""
LATE_WAKE_S: Final = 0.25
"""A wake-up this late means the process did not run when it was due."""
RECHECK_S: Final = 0.5
"""After a late wake-up, how long the child gets to show progress (FFmpeg's stats period)."""


class Watchdog:
    __slots__ = ("_clock", "_stall_deadline", "_stall_reason", "_tick", "tick_s", "wakeups")

    def __init__(
        self,
        clock: Callable[[], float],
        stall_deadline: Callable[[], float],
        stall_reason: Callable[[], str],
        tick: Callable[[float], str | None],
        tick_s: float,
    ) -> None:
        self._clock = clock
        self._stall_deadline = stall_deadline
        self._stall_reason = stall_reason
        self._tick = tick
        self.tick_s = tick_s
        self.wakeups = 0
        """Timer callbacks so far (what the watch costs)."""

    async def watch(self, *ended: asyncio.Future[Any]) -> str | None:
        """``None`` when one of ``ended`` is done, else the reason of a stall or a tick."""
        loop = asyncio.get_running_loop()
        clock = self._clock
        verdict: asyncio.Future[str | None] = loop.create_future()
        next_tick = clock() + self.tick_s
        timer: asyncio.TimerHandle | None = None
        due_at = 0.0
        recheck_at: float | None = None
        """Set after a late wake-up found the deadline passed: judge it again then."""

        def settle(reason: str | None) -> None:
            if not verdict.done():
                verdict.set_result(reason)

        def on_ended(_: object) -> None:
            settle(None)

        def arm() -> None:
            nonlocal timer, due_at
            due_at = min(recheck_at or self._stall_deadline(), next_tick)
            timer = loop.call_later(max(0.0, due_at - clock()), wake)

        def stalled(now: float) -> bool:
            """The deadline passed, seen on a wake-up that came on time (or after a recheck)."""
            nonlocal recheck_at
            if now + TIMER_SLACK_S < self._stall_deadline():
                recheck_at = None  # progress came: any recheck is moot
                return False
            if recheck_at is not None:
                return now + TIMER_SLACK_S >= recheck_at
            if now - due_at > LATE_WAKE_S:
                recheck_at = now + RECHECK_S
                return False
            return True

        def wake() -> None:
            nonlocal next_tick
            self.wakeups += 1
            if verdict.done():
                return
            if any(f.done() for f in ended):
                settle(None)  # an exit seen at the same moment wins over a stall
                return
            try:
                now = clock()
                if stalled(now):
                    settle(self._stall_reason())
                    return
                if now + TIMER_SLACK_S >= next_tick:
                    next_tick = now + self.tick_s
                    reason = self._tick(now)
                    if reason is not None:
                        settle(reason)
                        return
                arm()
            except Exception as exc:  # ends the watch and is raised by it, never swallowed
                verdict.set_exception(exc)

        for future in ended:
            future.add_done_callback(on_ended)
        arm()
        try:
            return await verdict
        finally:
            if timer is not None:
                timer.cancel()
            for future in ended:
                future.remove_done_callback(on_ended)
