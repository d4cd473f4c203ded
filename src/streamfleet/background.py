"""Background loops that an unexpected error does not end, and their tasks' life.

A layer-neutral module (it imports nothing of ours), so that every package may run its
loops the same way: the engine (the recorder's index writer, the archive's retention and
upload, the thumbnail uploader, the export runner), ``accounts/`` (the audit log's
retention) and ``fleet/`` (the fleet's retention).

- ``keep_running(name, loop)`` runs ``loop()`` for the life of the process. Each loop
  catches the errors it expects (a database that is away, a full disk); anything else would
  end its task silently and leave, say, the archive growing without retention until the next
  restart. ``keep_running`` logs such an error with its traceback and starts the loop again
  after a pause that doubles up to a cap, so a loop that fails at once does not spin.
- ``Periodic(name, run_once, ...)`` is the usual such loop in a task of its own: a pass at
  ``start()``, then one every ``interval_s``; an expected error is logged as a warning (the
  next pass tries again); ``stop()`` cancels the task and waits for it.
- ``stop_task(task)`` cancels a task and waits for it to end.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Final

import structlog

log = structlog.get_logger()

FIRST_PAUSE_S: Final = 1.0
MAX_PAUSE_S: Final = 60.0


async def keep_running(
    name: str,
    loop: Callable[[], Awaitable[None]],
    *,
    first_pause_s: float = FIRST_PAUSE_S,
    max_pause_s: float = MAX_PAUSE_S,
) -> None:
    """Run ``loop()`` until cancelled; restart it when it raises (or returns)."""
    pause = first_pause_s
    while True:
        try:
            await loop()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("engine.task_crashed", task=name, restart_in_s=pause)
        else:
            log.error("engine.task_ended", task=name, restart_in_s=pause)
        await asyncio.sleep(pause)
        pause = min(pause * 2, max_pause_s)


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel ``task`` (if any) and wait until it has ended."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class Periodic:
    """``run_once()`` at ``start()``, then every ``interval_s`` until ``stop()``.

    An error of the ``expected`` types is logged as ``failed_event`` (a warning with the
    error's text) and the next pass tries again; any other error is ``keep_running``'s.
    """

    def __init__(
        self,
        name: str,
        run_once: Callable[[], Awaitable[object]],
        *,
        interval_s: float,
        expected: tuple[type[Exception], ...],
        failed_event: str,
    ) -> None:
        self.name = name
        self._run_once = run_once
        self.interval_s = interval_s
        self._expected = expected
        self._failed_event = failed_event
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Start the task (once: a second call while it runs does nothing)."""
        if self._task is None:
            self._task = asyncio.create_task(keep_running(self.name, self._loop), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        await stop_task(task)

    async def _loop(self) -> None:
        while True:
            try:
                await self._run_once()
            except self._expected as exc:  # the next pass tries again
                log.warning(self._failed_event, error=str(exc))
            await asyncio.sleep(self.interval_s)
