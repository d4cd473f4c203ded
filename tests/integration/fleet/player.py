"""A player-like poller of a channel's public playlist on the shared volume.

``PlaylistPoller`` reads ``index.m3u8`` every ``POLL_S`` (a player's reload, a sampling rate,
not a wait) through the benchmark's ``PlaylistPlayer``, which keeps every distinct version
with the instant it was read; the poller adds the inode of each listed segment, so a test can
also see a segment file replaced under its name. What a player could have been shown (the
media sequence never going back, the discontinuity at a move, the longest stall of the
newest segment) is read with ``bench.hls_player``'s functions. ``every`` samples anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bench.hls_player import PlaylistPlayer, Seen, newest_stretches

POLL_S: Final = 0.1


@dataclass
class PlaylistPoller:
    folder: Path
    player: PlaylistPlayer = field(init=False)
    inodes: dict[str, set[int]] = field(default_factory=dict)
    """Every inode seen under each listed segment name."""

    def __post_init__(self) -> None:
        self.player = PlaylistPlayer(self.folder / "index.m3u8")

    @property
    def samples(self) -> list[Seen]:
        return self.player.seen

    def read(self) -> None:
        before = len(self.samples)
        self.player.read(time.monotonic())
        if len(self.samples) == before:
            return
        for segment in self.samples[-1].playlist.segments:
            with contextlib.suppress(OSError):
                inode = os.stat(self.folder / segment.uri).st_ino
                self.inodes.setdefault(segment.uri, set()).add(inode)

    def latest(self) -> Seen | None:
        return self.samples[-1] if self.samples else None

    def listed(self) -> set[str]:
        return {s.uri for sample in self.samples for s in sample.playlist.segments}

    def describe(self) -> str:
        """Every version seen, for a failure message: ``<media seq>/<disc. seq> [|]uri …``."""
        return "; ".join(
            f"{s.playlist.media_sequence}/{s.playlist.discontinuity_sequence} "
            + " ".join(f"{'|' if g.discontinuity else ''}{g.uri}" for g in s.playlist.segments)
            for s in self.samples
        )

    def longest_stall_s(self, since: float) -> float:
        """The longest time the playlist's newest segment stayed the same, over the stretches
        that ended after ``since`` (the one running at ``since`` counted from its start)."""
        stretches = newest_stretches(self.samples, time.monotonic())
        return max((end - start for start, end in stretches if end > since), default=0.0)


@contextlib.asynccontextmanager
async def every(period_s: float, read: Callable[[], None]) -> AsyncIterator[None]:
    """Runs ``read`` in a thread every ``period_s`` (a sampling rate) while the block runs."""

    async def run() -> None:
        while True:
            await asyncio.to_thread(read)
            await asyncio.sleep(period_s)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def polling(folder: Path) -> AsyncIterator[PlaylistPoller]:
    poller = PlaylistPoller(folder)
    async with every(POLL_S, poller.read):
        yield poller
