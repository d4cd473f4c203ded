"""Publishing a channel's public playlists from FFmpeg's private ones, and expiring segments.

FFmpeg writes segments named ``<prefix>_<n>.ts`` (a prefix per child) and a private
playlist; ``ChannelPublisher.publish()`` is called by the output watch when that playlist
changed (at most once a tick, in practice once a segment). It appends this child's new
segments to the public window (``media/public_playlist.py``), the first one of a child
that follows another after an ``#EXT-X-DISCONTINUITY``
(``media/playlist_continuation.py``), writes ``index.m3u8`` atomically
(``storage/swap_write.py``: no new inode per write) and deletes segments that left the
window once a grace has passed (RFC 8216 §6.2.2: a removed segment stays available for its
duration plus the playlist's); in ``serve`` the running child's own segments are deleted by
its FFmpeg after the same grace (``media/hls_args.py``), so the publisher removes only
those of children that ended. ``unlink`` is kernel work, 4 % of ``serve``'s CPU at 60
channels when the publisher did it; bare FFmpeg does it for itself too.

A recording channel's publisher hands every new segment to its ``archive`` (the engine's
``ArchiveRecorder``, which hard-links it into the archive), so the live folder holds only
the live window, recording or not. A ladder has one window per rendition and a public master
naming the public variant playlists.

The public playlist on disk is the publisher's state: a new child (or a new
server, or on a fleet the worker a channel moved to) reads it back and continues
its media and discontinuity sequences; the segments it lists stay in the window
until they slide out. Segment files no window lists (a previous child's last
ones, a crash's leftovers) are deleted after the same grace, counted from when
they are found.

On a fleet a publisher is given ``current`` (``engine/output_fence.py``): asked before
each publish, from memory; once it answers False (the lease moved on, or this worker was
frozen past its renewal) the publisher writes and deletes nothing, so a worker that wakes
up after its channel moved cannot overwrite the playlist players read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Final

import structlog

from streamfleet.media.hls_args import HlsLayout
from streamfleet.media.playlist_continuation import ChildCursor, resume
from streamfleet.media.playlist_summary import PlaylistSummary, is_complete, summarize
from streamfleet.media.public_playlist import Segment, private_segments, public_master
from streamfleet.storage.swap_write import swap_write

log = structlog.get_logger()

ArchiveHook = Callable[[Path, Segment], None]
"""Called with the live folder and each newly published segment of a recording channel."""
RenditionArchive = Callable[[str | None, Path, Segment], None]
"""An ``ArchiveHook`` that is told the rendition (``None`` for a single one)."""

SEGMENT_SUFFIXES: Final = (".ts", ".m4s", ".mp4")


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


class RenditionPublisher:
    """One public media playlist and the segment folder beside it."""

    def __init__(
        self,
        private: Path,
        public: Path,
        *,
        prefix: str,
        list_size: int,
        segment_seconds: float,
        wall: Callable[[], float],
        archive: ArchiveHook | None = None,
        ffmpeg_deletes: bool = False,
    ) -> None:
        self.private = private
        self.public = public
        self.prefix = prefix
        self.archive = archive
        self.wall = wall
        self.own = f"{prefix}_" if ffmpeg_deletes else None
        """The names of this child's segments when FFmpeg deletes them itself."""
        self.state = resume(read_text(public), list_size, segment_seconds)
        self.cursor = ChildCursor.after(self.state, prefix)
        self.expiring: dict[str, float] = {}
        """Segment name → the wall time it may be deleted."""
        self._until_sweep = list_size
        """Segments to publish before the folder is looked through again."""
        self._expire_unlisted()

    @property
    def grace_s(self) -> float:
        """How long a segment that left the window stays: one segment plus the playlist."""
        return self.state.target_duration * (self.state.list_size + 1)

    def _expire_unlisted(self) -> None:
        """Other children's segments no window lists go after the grace: at start, and every
        ``list_size`` segments (one ``listdir``), for what another worker's FFmpeg wrote on
        after the channel moved here. This child's own go through the window only."""
        listed = {s.uri for s in self.state.segments}
        due = self.wall() + self.grace_s
        own = f"{self.prefix}_"
        try:
            names = os.listdir(self.public.parent)
        except OSError:
            return
        for name in names:
            if name.endswith(SEGMENT_SUFFIXES) and name not in listed and not name.startswith(own):
                self.expiring.setdefault(name, due)

    def publish(self, private: PlaylistSummary | None = None) -> int:
        """Reads the private playlist (unless the output watch read it); appends this child's
        new segments, rewrites the public playlist and deletes expired segments. Returns how
        many segments were added."""
        if private is None:
            text = read_text(self.private)
            private = summarize(text) if text is not None and is_complete(text) else None
        new: list[Segment] = []
        if private is not None:
            self.cursor, new = self.cursor.take(private_segments(private))
        if new:
            self.state, gone = self.state.appended(new)
            try:
                swap_write(self.public, self.state.render())
            except OSError as exc:  # a full disk: the next segment tries again
                log.warning("channel.playlist_not_written", path=str(self.public), error=str(exc))
            if self.archive is not None:
                for segment in new:
                    self.archive(self.public.parent, segment)
            due = self.wall() + self.grace_s
            for segment in gone:
                if self.own is None or not segment.uri.startswith(self.own):
                    self.expiring.setdefault(segment.uri, due)
            self._until_sweep -= len(new)
            if self._until_sweep <= 0:
                self._until_sweep = self.state.list_size
                self._expire_unlisted()
        self.delete_expired()
        return len(new)

    def delete_expired(self) -> None:
        if not self.expiring:
            return
        now = self.wall()
        listed = {s.uri for s in self.state.segments}
        for name, due in list(self.expiring.items()):
            if due > now:
                continue
            del self.expiring[name]
            if name in listed or "/" in name:
                continue
            try:
                (self.public.parent / name).unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("channel.segment_not_deleted", path=name, error=str(exc))


class ChannelPublisher:
    """The public playlists of one child's output (one per rendition, plus a ladder's master)."""

    def __init__(
        self,
        layout: HlsLayout,
        *,
        prefix: str,
        list_size: int,
        segment_seconds: float,
        wall: Callable[[], float],
        archive: RenditionArchive | None = None,
        current: Callable[[], bool] | None = None,
    ) -> None:
        self.layout = layout
        self.current = current
        """Whether this child's epoch is still the channel's (``None``: no fencing, ``serve``)."""
        self.refused = False
        ladder = layout.profile.is_ladder
        self.renditions = [
            RenditionPublisher(
                Path(private),
                Path(public),
                prefix=prefix,
                list_size=list_size,
                segment_seconds=segment_seconds,
                wall=wall,
                archive=(
                    partial(archive, Path(public).parent.name if ladder else None)
                    if archive is not None
                    else None
                ),
                ffmpeg_deletes=layout.ffmpeg_deletes,
            )
            for private, public in zip(
                layout.private_playlists, layout.media_playlists, strict=True
            )
        ]
        self._master_written: str | None = None

    def publish(self, watched: PlaylistSummary | None = None) -> None:
        """The private playlists changed (``watched``: the first one, already read by the
        output watch): publish every rendition (a ladder's are cut together), then the master
        once the variants have segments. Nothing at all once ``current`` says no."""
        if self.current is not None and not self.current():
            if not self.refused:
                self.refused = True
                log.warning("channel.publish_refused", dir=str(self.layout.directory))
            return
        added = 0
        for index, rendition in enumerate(self.renditions):
            added += rendition.publish(watched if index == 0 else None)
        if added and self.layout.profile.is_ladder:
            self._publish_master()

    def _publish_master(self) -> None:
        text = read_text(Path(self.layout.private_entry_playlist))
        if text is None or "#EXT-X-STREAM-INF" not in text:
            return
        public = public_master(text, self.layout.private_name)
        if public == self._master_written:
            return
        path = Path(self.layout.entry_playlist)
        try:
            swap_write(path, public)
        except OSError as exc:
            log.warning("channel.playlist_not_written", path=str(path), error=str(exc))
            return
        self._master_written = public
