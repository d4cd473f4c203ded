"""The public media playlist streamfleet publishes from FFmpeg's private one (pure).

FFmpeg writes its segments and a private playlist that starts again with each
child; players read ``index.m3u8``, which only streamfleet writes. A
``PublicPlaylist`` is the live window: the last ``list_size`` segments, the
media sequence number of the first one, and the discontinuity sequence (RFC 8216
§4.3.3.3: how many ``#EXT-X-DISCONTINUITY`` tags have slid out of the window).
``appended()`` adds new segments and returns the ones that left; both sequence
numbers only ever grow. ``render()`` writes the playlist text and ``parse_public()``
reads it back (the playlist on disk is the publisher's state across server
restarts). ``private_segments()`` reads what FFmpeg listed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from streamfleet.media.hls_args import PLAYLIST_NAME, PRIVATE_PLAYLIST_NAME
from streamfleet.media.playlist_summary import PlaylistSummary, Segment, summarize

__all__ = ["PublicPlaylist", "Segment", "parse_public", "private_segments", "public_master"]

VERSION: Final = 3
"""Floating-point ``#EXTINF`` durations need version 3."""
DURATION_SLACK_S: Final = 0.001
"""A duration this little over a whole second still rounds down for the target duration."""
TMP_SUFFIX: Final = ".tmp"


def target_duration_for(duration_s: float) -> int:
    """The smallest whole target duration a segment of ``duration_s`` fits in (at least 1)."""
    return max(1, math.ceil(duration_s - DURATION_SLACK_S))


@dataclass(frozen=True, slots=True)
class PublicPlaylist:
    target_duration: int
    list_size: int
    media_sequence: int = 0
    discontinuity_sequence: int = 0
    segments: tuple[Segment, ...] = ()

    def __post_init__(self) -> None:
        if self.list_size < 1 or self.target_duration < 1:
            raise ValueError("list_size and target_duration must be at least 1")
        if self.media_sequence < 0 or self.discontinuity_sequence < 0:
            raise ValueError("sequence numbers are never negative")

    @property
    def next_media_sequence(self) -> int:
        """The media sequence number the next appended segment gets."""
        return self.media_sequence + len(self.segments)

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)

    def appended(self, new: Sequence[Segment]) -> tuple[PublicPlaylist, tuple[Segment, ...]]:
        """The window with ``new`` added at the end, and the segments that slid out of it.

        The target duration never shrinks (RFC 8216 §6.2.1 forbids changing it; a longer
        segment than announced has to raise it anyway)."""
        if not new:
            return self, ()
        window = (*self.segments, *new)
        drop = max(0, len(window) - self.list_size)
        gone, kept = window[:drop], window[drop:]
        target = max(self.target_duration, *(target_duration_for(s.duration_s) for s in new))
        state = dataclasses.replace(
            self,
            target_duration=target,
            media_sequence=self.media_sequence + drop,
            discontinuity_sequence=self.discontinuity_sequence
            + sum(1 for s in gone if s.discontinuity),
            segments=kept,
        )
        return state, gone

    def resized(self, list_size: int) -> PublicPlaylist:
        """The same window under a new list size (the oldest segments leave if it shrank)."""
        state = dataclasses.replace(self, list_size=list_size)
        if len(state.segments) <= list_size:
            return state
        drop = len(state.segments) - list_size
        gone = state.segments[:drop]
        return dataclasses.replace(
            state,
            media_sequence=state.media_sequence + drop,
            discontinuity_sequence=state.discontinuity_sequence
            + sum(1 for s in gone if s.discontinuity),
            segments=state.segments[drop:],
        )

    def render(self) -> str:
        lines = [
            "#EXTM3U",
            f"#EXT-X-VERSION:{VERSION}",
            f"#EXT-X-TARGETDURATION:{self.target_duration}",
            f"#EXT-X-MEDIA-SEQUENCE:{self.media_sequence}",
            f"#EXT-X-DISCONTINUITY-SEQUENCE:{self.discontinuity_sequence}",
            "#EXT-X-INDEPENDENT-SEGMENTS",
        ]
        for segment in self.segments:
            if segment.discontinuity:
                lines.append("#EXT-X-DISCONTINUITY")
            if segment.program_date_time is not None:
                lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{segment.program_date_time}")
            lines.append(f"#EXTINF:{segment.duration_s:.6f},")
            lines.append(segment.uri)
        return "\n".join(lines) + "\n"


def private_segments(summary: PlaylistSummary) -> tuple[Segment, ...]:
    """The complete segments FFmpeg's playlist lists, oldest first (none for a master)."""
    if summary.is_master:
        return ()
    return tuple(s for s in summary.entries if not s.uri.endswith(TMP_SUFFIX))


def parse_public(text: str, list_size: int) -> PublicPlaylist | None:
    """A playlist ``render()`` wrote, read back (``None`` when it is not a media playlist)."""
    summary = summarize(text)
    if summary is None or summary.is_master:
        return None
    segments = tuple(s for s in summary.entries if not s.uri.endswith(TMP_SUFFIX))
    target = int(summary.target_duration_s or 1)
    longest = max((s.duration_s for s in segments), default=1.0)
    state = PublicPlaylist(
        target_duration=max(target, 1, target_duration_for(longest)),
        list_size=max(1, len(segments)),
        media_sequence=max(0, summary.media_sequence),
        discontinuity_sequence=max(0, summary.discontinuity_sequence),
        segments=segments,
    )
    return state.resized(list_size)


def public_master(private_master: str, private_name: str = PRIVATE_PLAYLIST_NAME) -> str:
    """FFmpeg's master playlist naming the public variant playlists instead of its own."""
    suffix = "/" + private_name
    lines = [
        line[: -len(private_name)] + PLAYLIST_NAME if line.endswith(suffix) else line
        for line in private_master.splitlines()
    ]
    return "\n".join(lines) + "\n"
