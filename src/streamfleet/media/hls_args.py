"""HLS muxer options and the names of what it writes in a channel's output directory.

Layout (the entry point is ``index.m3u8`` for every profile)::

    <dir>/index.m3u8, <dir>/seg_<n>.ts                       single rendition or copy
    <dir>/index.m3u8 (master), <dir>/<rendition>/index.m3u8,
    <dir>/<rendition>/seg_<n>.ts                             ladders (``var_stream_map``)

``omit_endlist`` + ``append_list`` make a restart continue the media sequence
after an ``#EXT-X-DISCONTINUITY`` instead of starting again at segment 0 and
overwriting segments players still hold. ``temp_file`` writes every file
under a ``.tmp`` name and renames it when complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Final

from streamfleet.domain.profiles import Profile
from streamfleet.media.encode_args import seconds_text, var_stream_map

PLAYLIST_NAME: Final = "index.m3u8"
SEGMENT_PATTERN: Final = "seg_%d.ts"
BASE_FLAGS: Final[tuple[str, ...]] = (
    "temp_file",
    "independent_segments",
    "program_date_time",
    "omit_endlist",
    "append_list",
)


@dataclass(frozen=True, slots=True)
class HlsOptions:
    """What the HLS muxer needs besides the profile."""

    segment_seconds: float
    list_size: int
    delete_segments: bool
    """Delete segments that left the playlist (off while recording)."""


@dataclass(frozen=True, slots=True)
class HlsLayout:
    """Where a channel's HLS files are, for a given profile."""

    directory: PurePath
    profile: Profile

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
    def watched_playlist(self) -> PurePath:
        """The media playlist whose updates show that segments are being written."""
        return self.media_playlists[0]


def hls_flags(options: HlsOptions) -> str:
    flags = ("delete_segments", *BASE_FLAGS) if options.delete_segments else BASE_FLAGS
    return "+".join(flags)


def hls_args(layout: HlsLayout, options: HlsOptions) -> list[str]:
    """The muxer options, ending with the output path."""
    args = [
        "-f",
        "hls",
        "-hls_time",
        seconds_text(options.segment_seconds),
        "-hls_list_size",
        str(options.list_size),
        "-hls_flags",
        hls_flags(options),
        "-hls_segment_type",
        "mpegts",
    ]
    directory = layout.directory
    if layout.profile.is_ladder:
        return [
            *args,
            "-master_pl_name",
            PLAYLIST_NAME,
            "-var_stream_map",
            var_stream_map(layout.profile.renditions),
            "-hls_segment_filename",
            str(directory / "%v" / SEGMENT_PATTERN),
            str(directory / "%v" / PLAYLIST_NAME),
        ]
    return [
        *args,
        "-hls_segment_filename",
        str(directory / SEGMENT_PATTERN),
        str(layout.entry_playlist),
    ]
