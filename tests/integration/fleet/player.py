"""A player-like poller of a channel's public playlist on the shared volume, and who writes it.

``PlaylistPoller`` reads ``index.m3u8`` every ``POLL_S`` (a player's reload, a sampling rate,
not a wait) and keeps every distinct version it saw with the time and the inode of each
listed segment, so a test can check afterwards what players could have been shown: the
media sequence never going back, the discontinuity at a move, the longest stall of the
newest segment, a segment file replaced under its name. ``writers_by_slug`` lists the
FFmpeg processes writing into the HLS folder, by channel; ``every`` samples anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from streamfleet.media.hls_args import epoch_of_segment
from streamfleet.media.public_playlist import PublicPlaylist, parse_public

POLL_S: Final = 0.1
LIST_SIZE: Final = 3
"""``STREAMFLEET_HLS_LIST_SIZE`` of the fleet fixture."""


@dataclass(frozen=True, slots=True)
class Sample:
    at: float
    """``time.monotonic()`` when read."""
    playlist: PublicPlaylist

    @property
    def newest(self) -> str | None:
        return self.playlist.segments[-1].uri if self.playlist.segments else None

    def epochs(self) -> list[int | None]:
        return [epoch_of_segment(s.uri) for s in self.playlist.segments]


@dataclass
class PlaylistPoller:
    folder: Path
    samples: list[Sample] = field(default_factory=list)
    inodes: dict[str, set[int]] = field(default_factory=dict)
    """Every inode seen under each listed segment name."""

    def read(self) -> None:
        try:
            text = (self.folder / "index.m3u8").read_text()
        except OSError:
            return
        state = parse_public(text, LIST_SIZE)
        if state is None or (self.samples and self.samples[-1].playlist == state):
            return
        self.samples.append(Sample(time.monotonic(), state))
        for segment in state.segments:
            with contextlib.suppress(OSError):
                inode = os.stat(self.folder / segment.uri).st_ino
                self.inodes.setdefault(segment.uri, set()).add(inode)

    def latest(self) -> Sample | None:
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

    def sequences_went_back(self) -> list[tuple[int, int]]:
        """Consecutive (media sequence, discontinuity sequence) pairs where either went back."""
        pairs = [
            (s.playlist.media_sequence, s.playlist.discontinuity_sequence) for s in self.samples
        ]
        return [(a[0], b[0]) for a, b in itertools.pairwise(pairs) if b[0] < a[0] or b[1] < a[1]]

    def longest_stall_s(self, since: float) -> float:
        """The longest time the playlist's newest segment stayed the same, over the stretches
        that ended after ``since`` (the one running at ``since`` counted from its start)."""
        changes: list[float] = []
        newest = None
        for sample in self.samples:
            if sample.newest != newest:
                newest = sample.newest
                changes.append(sample.at)
        changes.append(time.monotonic())
        return max(b - a for a, b in itertools.pairwise(changes) if b > since)


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
