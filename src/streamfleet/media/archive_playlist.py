"""Catch-up and timeshift playlists written from the archive's index (pure: no I/O, no clock).

A recording channel's segments are indexed one row each (``domain.archive.ArchivedSegment``,
path ``<slug>/<YYYY-MM-DD>/<HH>/[<rendition>/]<name>``). From a span of rows:

* ``archive_playlist``: a VOD playlist (``EXT-X-ENDLIST``) of a closed span, or an EVENT
  playlist that only grows (no ``ENDLIST`` until its span is over);
* ``timeshift_window``: the last ``list_size`` segments complete before a moment, numbered
  so that a segment keeps its media sequence number (and its discontinuity sequence) on every
  fetch: counted from the start of the UTC hour the window starts in (see ``HOUR_STRIDE``);
* ``master_playlist``: a ladder's variants (their peak bit rate from the rows).

A segment's URI names its archive file relative to the playlist, ``archive/<date>/<hour>/
<name>`` (a ladder's variant playlist lives in ``<rendition>/``, so the same shape under it),
and never changes while a player holds it. ``#EXT-X-DISCONTINUITY`` marks every place the
recording does not run on (``breaks``): a time gap, a new FFmpeg child (another segment name
prefix), or a missing segment number. The index holds no codec parameters: a change of them
within one child cannot be seen here (a new child, which any such change needs, can).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from streamfleet.domain.archive import ARCHIVE_URI_DIR, ArchivedSegment
from streamfleet.media.public_playlist import VERSION, target_duration_for

CONTINUITY_TOLERANCE_S: Final = 0.5
"""A segment starting further than this from where the previous one ended follows a gap."""
HOUR_STRIDE: Final = 100_000
"""Media and discontinuity sequence numbers of a timeshift window are ``<UTC hour since the
epoch> * HOUR_STRIDE + <count since that hour began>`` (an hour of 0.1 s segments still
fits): dense within an hour, never going back, and counted from rows that retention does not
remove while the window is within the channel's retention. At the hour's turn the numbers
jump forward once (players realign on ``#EXT-X-PROGRAM-DATE-TIME``, on every segment here)."""


class PlaylistType(StrEnum):
    VOD = "VOD"
    EVENT = "EVENT"


def rendition_of(path: str) -> str | None:
    """The rendition of a ladder's archived segment, ``None`` for a single-rendition one."""
    parts = path.split("/")
    return parts[3] if len(parts) == 5 else None


def segment_uri(path: str) -> str:
    """The URI of an archived segment relative to its (variant) playlist."""
    parts = path.split("/")
    return f"{ARCHIVE_URI_DIR}/{parts[1]}/{parts[2]}/{parts[-1]}"


def child_and_number(path: str) -> tuple[str, int] | None:
    """``(<prefix>, <n>)`` of a segment named ``<prefix>_<n>.<ext>`` (a prefix per FFmpeg child)."""
    stem = path.rsplit("/", 1)[-1].rpartition(".")[0]
    prefix, sep, digits = stem.rpartition("_")
    return (prefix, int(digits)) if sep and prefix and digits.isdigit() else None


def breaks(previous: ArchivedSegment, segment: ArchivedSegment) -> bool:
    """Whether ``segment`` does not continue ``previous``: a discontinuity between them."""
    gap = abs((segment.start - previous.end).total_seconds())
    if gap > CONTINUITY_TOLERANCE_S:
        return True
    before, after = child_and_number(previous.path), child_and_number(segment.path)
    if before is None or after is None:
        return False
    return before[0] != after[0] or after[1] != before[1] + 1


def program_date_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def target_duration(segments: Sequence[ArchivedSegment], at_least: int = 1) -> int:
    longest = max((s.duration_s for s in segments), default=1.0)
    return max(at_least, target_duration_for(longest))


def _segment_lines(segments: Sequence[ArchivedSegment], *, every_time: bool) -> list[str]:
    """Each segment's lines: a discontinuity where it breaks, its time (first, after a
    discontinuity, or ``every_time``), its duration and URI."""
    lines: list[str] = []
    previous: ArchivedSegment | None = None
    for segment in segments:
        broken = previous is not None and breaks(previous, segment)
        if broken:
            lines.append("#EXT-X-DISCONTINUITY")
        if every_time or broken or previous is None:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{program_date_time(segment.start)}")
        lines.append(f"#EXTINF:{segment.duration_s:.6f},")
        lines.append(segment_uri(segment.path))
        previous = segment
    return lines


def archive_playlist(
    segments: Sequence[ArchivedSegment], kind: PlaylistType, *, ended: bool, at_least: int = 1
) -> str:
    """A catch-up playlist of ``segments`` (one rendition, oldest first). ``ended``: the span
    is over (always for VOD): ``#EXT-X-ENDLIST``. ``at_least``: the smallest target duration
    (an EVENT playlist's must not change as it grows: the channel's own)."""
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{VERSION}",
        f"#EXT-X-TARGETDURATION:{target_duration(segments, at_least)}",
        f"#EXT-X-PLAYLIST-TYPE:{kind.value}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        *_segment_lines(segments, every_time=False),
    ]
    if ended or kind is PlaylistType.VOD:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Window:
    """A timeshift window: its segments and the sequence numbers of the first one."""

    segments: tuple[ArchivedSegment, ...]
    media_sequence: int
    discontinuity_sequence: int

    def render(self, at_least: int = 1) -> str:
        lines = [
            "#EXTM3U",
            f"#EXT-X-VERSION:{VERSION}",
            f"#EXT-X-TARGETDURATION:{target_duration(self.segments, at_least)}",
            f"#EXT-X-MEDIA-SEQUENCE:{self.media_sequence}",
            f"#EXT-X-DISCONTINUITY-SEQUENCE:{self.discontinuity_sequence}",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            *_segment_lines(self.segments, every_time=True),
        ]
        return "\n".join(lines) + "\n"


def hour_start(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def window_reach(cutoff: datetime, lookback: timedelta) -> datetime:
    """From when rows must be read for ``timeshift_window(…, cutoff, …, lookback)``."""
    return hour_start(cutoff - lookback)


def timeshift_window(
    segments: Sequence[ArchivedSegment], cutoff: datetime, list_size: int, lookback: timedelta
) -> Window | None:
    """The last ``list_size`` segments complete at ``cutoff`` and starting after ``cutoff -
    lookback`` (``None``: none), from ``segments`` (one rendition, oldest first, read from
    ``window_reach(cutoff, lookback)``)."""
    complete = [s for s in segments if s.end <= cutoff]
    window = [s for s in complete[-list_size:] if s.start >= cutoff - lookback]
    if not window:
        return None
    anchor = hour_start(window[0].start)
    history = [s for s in complete if s.start >= anchor]
    first = len(history) - len(window)
    base = int(anchor.timestamp()) // 3600 * HOUR_STRIDE
    cuts = sum(1 for i in range(1, first + 1) if breaks(history[i - 1], history[i]))
    return Window(tuple(window), base + first, base + cuts)


@dataclass(frozen=True, slots=True)
class Variant:
    rendition: str
    bandwidth: int
    """Peak bit rate of a segment, bits per second (``BANDWIDTH``)."""


def variants_of(segments: Sequence[ArchivedSegment]) -> list[Variant]:
    """A ladder's renditions among ``segments``, the highest peak bit rate first (none for a
    single rendition)."""
    peaks: dict[str, int] = {}
    for segment in segments:
        rendition = rendition_of(segment.path)
        if rendition is None:
            continue
        rate = math.ceil(segment.bytes * 8 / max(segment.duration_s, 0.001))
        peaks[rendition] = max(peaks.get(rendition, 0), rate)
    return sorted(
        (Variant(r, b) for r, b in peaks.items()), key=lambda v: (-v.bandwidth, v.rendition)
    )


def master_playlist(variants: Sequence[Variant], playlist: str) -> str:
    """A master naming ``<rendition>/<playlist>`` (``playlist``: name and query) per variant."""
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{VERSION}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in variants:
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={variant.bandwidth}")
        lines.append(f"{variant.rendition}/{playlist}")
    return "\n".join(lines) + "\n"
