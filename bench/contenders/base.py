"""What the run loop needs from a contender, and what it gives one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.feeders import FeederSet, FeedKind
from bench.options import BenchOptions
from bench.progress import RunProgress
from bench.results import ContenderResult


@dataclass(frozen=True)
class RunContext:
    ffmpeg: str
    clip: Path
    options: BenchOptions
    work_dir: Path
    """This contender's own scratch directory."""
    progress: RunProgress

    @property
    def channels(self) -> int:
        return self.options.channels


class ContenderUnavailable(Exception):
    """The contender cannot run on this machine; the message says why (the run goes on)."""


class ContenderFailed(Exception):
    """The contender started but did not do its job; the message says what went wrong."""


class Contender:
    """One system under test. The run loop calls, in order: ``check``, ``prepare``, starts the
    feeders on ``feed_targets()``, ``launch``, waits for the playlists, then the window hooks,
    ``after_window`` and always ``stop``."""

    name: str
    feed_kind: FeedKind
    segment_seconds: float = 2.0
    list_size: int = 6

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    def check(self) -> None:
        """Raise ``ContenderUnavailable`` when this machine cannot run the contender."""

    async def prepare(self) -> None:
        """Work before the feeders start (a server that sources push to)."""

    def feed_targets(self) -> list[str]:
        """The URL each of the N feeders pushes to."""
        raise NotImplementedError

    async def launch(self) -> None:
        """Start the N channels."""
        raise NotImplementedError

    def playlist_paths(self) -> dict[str, Path]:
        """Channel name → its media playlist file (valid after ``launch``)."""
        raise NotImplementedError

    def root_pids(self) -> list[int]:
        """The processes whose trees are the contender's cost."""
        raise NotImplementedError

    async def explain_stall(self) -> None:
        """No playlist advanced: raise ``ContenderUnavailable`` if that is because the contender
        cannot run channels here; returning means it is a plain failure."""

    async def window_started(self) -> None:
        """Called as the steady window opens."""

    async def window_ended(self, cpu_seconds: float, result: ContenderResult) -> None:
        """Called as it closes, with the tree's CPU seconds in the window."""

    async def after_window(self, feeders: FeederSet, result: ContenderResult) -> None:
        """Extra phases after the window (reaction times), filling ``result``."""

    async def stop(self) -> None:
        """Stop everything the contender started; must leave no process."""
        raise NotImplementedError
