"""The watchdog of one running child: a stall deadline and a regular tick, on the engine's beat.

``Watchdog.watch(*ended)`` returns ``None`` as soon as one of ``ended`` (the
child's exit, a stop request) is done, or the stall reason once ``clock()``
passes ``stall_deadline()``; in between it calls ``tick(now)`` every
``tick_s`` seconds, and a tick that returns a reason ends the watch with it.

It has no timer of its own: the engine's ``Beat`` (``engine/beat.py``) asks it at the
first beat after its next due time (the deadline or the tick, whichever comes first),
which it answers with the next one, so 60 channels cost the loop one wake-up per beat,
not one per channel and due time. The deadline is asked again at every due time, so progress that
moves it needs no re-arming. A beat within ``DUE_SLACK_S`` of a due time counts as
due: uvloop's timers have millisecond resolution and fire up to a millisecond early.

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

from streamfleet.engine.beat import DUE_SLACK_S, Beat

LATE_WAKE_S: Final = 0.25
"""A wake-up this late means the process did not run when it was due."""
RECHECK_S: Final = 0.5
"""After a late wake-up, how long the child gets to show progress (FFmpeg's stats period)."""


class Watchdog:
    __slots__ = (
        "_beat",
        "_clock",
        "_stall_deadline",
        "_stall_reason",
        "_tick",
        "tick_s",
        "wakeups",
    )

    def __init__(
        self,
        clock: Callable[[], float],
        stall_deadline: Callable[[], float],
        stall_reason: Callable[[], str],
        tick: Callable[[float], str | None],
        tick_s: float,
        beat: Beat | None = None,
    ) -> None:
        self._clock = clock
        self._stall_deadline = stall_deadline
        self._stall_reason = stall_reason
        self._tick = tick
        self.tick_s = tick_s
        self._beat = beat if beat is not None else Beat(clock)
        self.wakeups = 0
        """Due times acted on so far (what the watch costs)."""

    async def watch(self, *ended: asyncio.Future[Any]) -> str | None:
        """``None`` when one of ``ended`` is done, else the reason of a stall or a tick."""
        loop = asyncio.get_running_loop()
        verdict: asyncio.Future[str | None] = loop.create_future()
        next_tick = self._clock() + self.tick_s
        due_at = min(self._stall_deadline(), next_tick)
        recheck_at: float | None = None
        """Set after a late wake-up found the deadline passed: judge it again then."""

        def settle(reason: str | None) -> None:
            if not verdict.done():
                verdict.set_result(reason)

        def on_ended(_: object) -> None:
            settle(None)

        def stalled(now: float) -> bool:
            """The deadline passed, seen on a wake-up that came on time (or after a recheck)."""
            nonlocal recheck_at
            if now + DUE_SLACK_S < self._stall_deadline():
                recheck_at = None  # progress came: any recheck is moot
                return False
            if recheck_at is not None:
                return now + DUE_SLACK_S >= recheck_at
            if now - due_at > LATE_WAKE_S:
                recheck_at = now + RECHECK_S
                return False
            return True

        def on_beat(now: float) -> float | None:
            """When to be asked next; ``None`` once the watch is over (the beat drops it)."""
            nonlocal next_tick, due_at
            if verdict.done():
                return None
            if now + DUE_SLACK_S < due_at:
                return due_at
            self.wakeups += 1
            if any(f.done() for f in ended):
                settle(None)  # an exit seen at the same moment wins over a stall
                return None
            try:
                if stalled(now):
                    settle(self._stall_reason())
                    return None
                if now + DUE_SLACK_S >= next_tick:
                    next_tick = now + self.tick_s
                    reason = self._tick(now)
                    if reason is not None:
                        settle(reason)
                        return None
                due_at = min(recheck_at or self._stall_deadline(), next_tick)
            except Exception as exc:  # ends the watch and is raised by it, never swallowed
                verdict.set_exception(exc)
                return None
            return due_at

        for future in ended:
            future.add_done_callback(on_ended)
        self._beat.add(on_beat)
        try:
            return await verdict
        finally:
            for future in ended:
                future.remove_done_callback(on_ended)
