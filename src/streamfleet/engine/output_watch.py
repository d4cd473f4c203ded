"""Following a channel's HLS output: new segments, their bitrate, how old the newest one is.

One ``os.stat`` of the watched (private) media playlist per poll; the playlist
is read, handed to ``on_change`` (the publisher of the public playlists) and the
newest segment stat'ed only when the playlist changed (once per segment). FFmpeg
rewrites it in place, so a read may catch it truncated and not yet written: that read
counts for nothing and the next poll reads again, even if the modification time (which
the kernel keeps to a clock tick) did not move.
FFmpeg reports ``bitrate=N/A`` for HLS, so the bitrate is the newest segment's
size over its ``#EXTINF`` duration.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from streamfleet.media.playlist_summary import (
    MAX_PLAYLIST_BYTES,
    PlaylistSummary,
    is_complete,
    summarize,
)
from streamfleet.storage.small_files import read_small_text

OUTPUT_STALE_SEGMENTS: Final = 3
"""The playlist may stay unchanged for this many target durations (+1 s) while running."""


@dataclass(frozen=True, slots=True)
class NewSegment:
    name: str
    bitrate_kbps: float | None
    media_sequence: int


class OutputWatch:
    __slots__ = (
        "_path",
        "changed_at",
        "last_mtime_ns",
        "last_segment",
        "on_change",
        "partial",
        "playlist",
        "segments_since_arm",
        "target_duration_s",
    )

    def __init__(
        self, playlist: Path, on_change: Callable[[PlaylistSummary | None], None] | None = None
    ) -> None:
        self.playlist = playlist
        self._path = os.fspath(playlist)
        """The path as a string, made once: it is stat'ed at every tick."""
        self.on_change = on_change
        self.last_mtime_ns: int | None = None
        self.last_segment: str | None = None
        self.target_duration_s: float | None = None
        self.changed_at = 0.0
        self.segments_since_arm = 0
        self.partial = False
        """The last read caught the playlist half written: read again at the next poll."""

    def arm(self, now: float) -> None:
        """A new child starts: only changes after this count as its output."""
        self.last_mtime_ns = self._mtime_ns()
        self.changed_at = now
        self.segments_since_arm = 0

    def _mtime_ns(self) -> int | None:
        try:
            return os.stat(self._path).st_mtime_ns
        except OSError:
            return None

    def age_s(self, wall_now: float) -> float | None:
        """Seconds since the playlist was last written (``None`` before it exists)."""
        if self.last_mtime_ns is None:
            return None
        return max(0.0, wall_now - self.last_mtime_ns / 1e9)

    def poll(self, now: float) -> NewSegment | None:
        """The newest segment when the playlist changed since the last poll, else ``None``."""
        mtime = self._mtime_ns()
        if mtime is None or (mtime == self.last_mtime_ns and not self.partial):
            return None
        self.last_mtime_ns = mtime
        self.changed_at = now
        try:
            text = read_small_text(self._path, MAX_PLAYLIST_BYTES)
        except OSError:
            return None
        self.partial = not is_complete(text)
        if self.partial:
            return None
        summary = summarize(text)
        if self.on_change is not None:
            self.on_change(summary)
        if summary is None or not summary.entries:
            return None
        self.target_duration_s = summary.target_duration_s
        newest = summary.segments[-1]
        if newest == self.last_segment:
            return None
        self.last_segment = newest
        self.segments_since_arm += 1
        sequence = summary.media_sequence + len(summary.segments) - 1
        return NewSegment(newest, self._bitrate(newest, summary.last_duration_s), sequence)

    def _bitrate(self, name: str, duration_s: float | None) -> float | None:
        if not duration_s or duration_s <= 0:
            return None
        try:
            size = os.stat(self.playlist.parent / name).st_size
        except OSError:
            return None
        return size * 8 / duration_s / 1000


def output_stall(
    now: float,
    changed_at: float,
    segments_since_arm: int,
    target_duration_s: float | None,
    segment_seconds: float,
    startup_timeout_s: float,
) -> str | None:
    """Why the output counts as stalled while progress still advances, or ``None``.

    Before the child's first new segment it gets ``startup_timeout_s`` (a source
    with a long GOP makes a long first segment); after that, the playlist must
    change every ``OUTPUT_STALE_SEGMENTS`` segment lengths (the larger of the
    setting and the playlist's target duration) plus a second. Pure.
    """
    if segments_since_arm == 0:
        limit = startup_timeout_s
    else:
        limit = OUTPUT_STALE_SEGMENTS * max(segment_seconds, target_duration_s or 0.0) + 1.0
    idle = now - changed_at
    return f"playlist not updated for {idle:.0f} s" if idle > limit else None
