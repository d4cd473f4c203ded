"""HLS muxer options and the names of what it writes in a channel's output directory.

Layout (the entry point is ``index.m3u8`` for every profile)::

    <dir>/index.m3u8, <dir>/<prefix>_<n>.ts                  single rendition or copy
    <dir>/index.m3u8 (master), <dir>/<rendition>/index.m3u8,
    <dir>/<rendition>/<prefix>_<n>.ts                        ladders (``var_stream_map``)

FFmpeg writes the segments and a *private* playlist (``.ffmpeg.m3u8`` beside
each public one, not served); streamfleet alone writes the public
``index.m3u8`` files from them (``engine/publisher.py``). Every child names its
segments with its own ``prefix`` (``a<start time in ms>``), so a name is never
written twice in a channel's life. In ``serve`` FFmpeg deletes its own segments
(``delete_segments``) once they left its playlist plus the grace RFC 8216 §6.2.2 asks for
(the list and one segment more: FFmpeg's own cap, ``hls_delete_threshold`` only lowers it).
Its private playlist lists ``PUBLISH_LAG_SEGMENTS`` more than the public one, so a segment
leaves the public playlist before FFmpeg counts its grace: the public one changes only
when the engine has read the private one, up to a second later on a loaded host.
The publisher removes only what no running child will (a previous child's, a crash's).
On a fleet FFmpeg deletes nothing: a frozen worker's child would go on deleting segments
the public playlist of the channel's new worker still lists (see below). No ``temp_file``: a segment
is read only once the private playlist lists it (FFmpeg writes that after closing the
segment), and the private playlist is rewritten in place (one ``write``, same inode) and
read only when complete (``media/playlist_summary.py`` ``is_complete``). A temp file and a
rename per file would create and free two inodes per segment, which on ext4 without a
journal makes every later creation in the folder slower (``storage/swap_write.py``).

On a fleet a worker runs a channel under a lease *epoch* (``cluster/channel_leases.py``),
and its children's files carry it: segments ``e<epoch>-a<ms>_<n>.ts`` and the private
playlists ``.ffmpeg-e<epoch>.m3u8``. The FFmpeg of a worker frozen past its lease (SIGSTOP
stops the worker, not its children) goes on writing, but only files of its own epoch,
which the new holder's publisher neither lists nor reads. ``serve`` has no epoch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Final

from streamfleet.domain.profiles import Profile
from streamfleet.media.encode_args import seconds_text, var_stream_map

PLAYLIST_NAME: Final = "index.m3u8"
"""The public playlist (a master for ladders), written by streamfleet only."""
PRIVATE_PLAYLIST_NAME: Final = ".ffmpeg.m3u8"
"""FFmpeg's own playlist; the HLS route serves no name starting with a dot."""
SEGMENT_NUMBER: Final = "%06d"
PUBLISH_LAG_SEGMENTS: Final = 1
"""How many segments more FFmpeg's playlist lists than the public one in ``serve``. FFmpeg
deletes a segment a grace after it left its own playlist; the public playlist drops it
when the engine has read FFmpeg's after it changed. A loaded suite run (2026-12-05) saw
that lag leave 6.99 s of an 8 s grace (2 s x 3); one segment more puts the public
playlist's change that far ahead of FFmpeg's count."""
HLS_FLAGS: Final = "+".join(("independent_segments", "program_date_time", "omit_endlist"))


PRIVATE_PLAYLIST_GLOB: Final = ".ffmpeg*.m3u8"
"""Matches the private playlists of every epoch (and of ``serve``)."""


def segment_prefix(started_at_ms: int, epoch: int | None = None) -> str:
    """The segment name prefix of a child started at ``started_at_ms`` (Unix time), under the
    lease ``epoch`` on a fleet."""
    child = f"a{started_at_ms}"
    return child if epoch is None else f"e{epoch}-{child}"


def epoch_of_segment(name: str) -> int | None:
    """The epoch in a segment name ``e<epoch>-…`` (``None`` for a name without one)."""
    head, dash, _ = name.rpartition("/")[2].partition("-")
    if not dash or not head.startswith("e") or not head[1:].isdigit():
        return None
    return int(head[1:])


def private_playlist_name(epoch: int | None = None) -> str:
    return PRIVATE_PLAYLIST_NAME if epoch is None else f".ffmpeg-e{epoch}.m3u8"


def segment_pattern(prefix: str) -> str:
    return f"{prefix}_{SEGMENT_NUMBER}.ts"


@dataclass(frozen=True, slots=True)
class HlsOptions:
    """What the HLS muxer needs besides the profile."""

    segment_seconds: float
    list_size: int
    segment_prefix: str
    """This child's segment names start with it (``segment_prefix()``)."""


@dataclass(frozen=True, slots=True)
class HlsLayout:
    """Where a channel's HLS files are, for a given profile."""

    directory: PurePath
    profile: Profile
    epoch: int | None = None
    """The lease epoch the child writes under (``None`` in ``serve``)."""

    @property
    def ffmpeg_deletes(self) -> bool:
        """FFmpeg deletes the segments that left its playlist (``serve``; not on a fleet)."""
        return self.epoch is None

    @property
    def private_name(self) -> str:
        return private_playlist_name(self.epoch)

    @property
    def entry_playlist(self) -> PurePath:
        """What players open: the master playlist of a ladder, else the media playlist."""
        return self.directory / PLAYLIST_NAME

    @property
    def media_playlists(self) -> tuple[PurePath, ...]:
        if self.profile.is_ladder:
            return tuple(self.directory / r.name / PLAYLIST_NAME for r in self.profile.renditions)
        return (self.entry_playlist,)

    @property
    def private_entry_playlist(self) -> PurePath:
        """FFmpeg's master playlist of a ladder, else its media playlist."""
        return self.directory / self.private_name

    @property
    def private_playlists(self) -> tuple[PurePath, ...]:
        """FFmpeg's media playlists, in the order of ``media_playlists``."""
        return tuple(p.with_name(self.private_name) for p in self.media_playlists)

    @property
    def watched_playlist(self) -> PurePath:
        """The private media playlist whose updates show that segments are being written."""
        return self.private_playlists[0]


def private_list_size(layout: HlsLayout, options: HlsOptions) -> int:
    """How many segments FFmpeg's own playlist lists: in ``serve``, where FFmpeg deletes by
    it, ``PUBLISH_LAG_SEGMENTS`` more than the public one."""
    return options.list_size + (PUBLISH_LAG_SEGMENTS if layout.ffmpeg_deletes else 0)


def delete_threshold_args(layout: HlsLayout, options: HlsOptions) -> list[str]:
    """How many segments that left FFmpeg's playlist it keeps: its list and one more."""
    if not layout.ffmpeg_deletes:
        return []
    return ["-hls_delete_threshold", str(private_list_size(layout, options) + 1)]


def hls_args(layout: HlsLayout, options: HlsOptions) -> list[str]:
    """The muxer options, ending with the output path."""
    args = [
        "-f",
        "hls",
        "-hls_time",
        seconds_text(options.segment_seconds),
        "-hls_list_size",
        str(private_list_size(layout, options)),
        "-hls_flags",
        f"{HLS_FLAGS}+delete_segments" if layout.ffmpeg_deletes else HLS_FLAGS,
        *delete_threshold_args(layout, options),
        "-hls_segment_type",
        "mpegts",
    ]
    directory = layout.directory
    pattern = segment_pattern(options.segment_prefix)
    if layout.profile.is_ladder:
        return [
            *args,
            "-master_pl_name",
            layout.private_name,
            "-var_stream_map",
            var_stream_map(layout.profile.renditions),
            "-hls_segment_filename",
            str(directory / "%v" / pattern),
            str(directory / "%v" / layout.private_name),
        ]
    return [
        *args,
        "-hls_segment_filename",
        str(directory / pattern),
        str(layout.private_entry_playlist),
    ]
