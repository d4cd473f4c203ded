"""The progress bar a run shows: one bar in planned seconds, a line per phase."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

TICK_S = 0.5


class RunProgress:
    """``total_s`` is the planned duration; phases advance it, timed waits fill it smoothly."""

    def __init__(self, total_s: float, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]{task.description:<44}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task("starting", total=max(total_s, 1.0))
        self._done = 0.0

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def phase(self, description: str) -> None:
        self._progress.update(self._task, description=description)

    def advance(self, seconds: float) -> None:
        self._done += seconds
        self._progress.update(self._task, completed=self._done)

    def finish(self, description: str = "done") -> None:
        total = self._progress.tasks[0].total or self._done
        self._progress.update(self._task, description=description, completed=total)

    def log(self, message: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self._progress.console.print(Text.assemble((stamp, "dim"), " ", message))

    async def wait(self, seconds: float, description: str) -> None:
        """Sleep ``seconds`` (a timed measurement phase), moving the bar as time passes."""
        self.phase(description)
        end = time.monotonic() + seconds
        start_done = self._done
        while (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(TICK_S, left))
            self._done = start_done + (seconds - max(0.0, end - time.monotonic()))
            self._progress.update(self._task, completed=self._done)
        self._done = start_done + seconds
