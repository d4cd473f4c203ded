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
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final

TIMER_SLACK_S: Final = 0.002
"""A wake-up this close to its due time counts as due (timer resolution)."""


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

        def settle(reason: str | None) -> None:
            if not verdict.done():
                verdict.set_result(reason)

        def on_ended(_: object) -> None:
            settle(None)

        def arm() -> None:
            nonlocal timer
            due = min(self._stall_deadline(), next_tick)
            timer = loop.call_later(max(0.0, due - clock()), wake)

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
                if now + TIMER_SLACK_S >= self._stall_deadline():
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
