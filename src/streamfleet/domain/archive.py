"""The recording archive's facts (pure): where a segment is kept, when it starts, what was recorded.

A recording channel's published segments are hard-linked into
``<archive root>/<slug>/<YYYY-MM-DD>/<HH>/[<rendition>/]<segment name>`` (UTC, the
segment's start) and indexed one row each (``ArchivedSegment``). ``recorded_ranges``
turns index rows into the ranges and gaps the recordings API answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

ARCHIVE_URI_DIR: Final = "archive"
"""Archived segments are served at ``/hls/<slug>/[<rendition>/]archive/<YYYY-MM-DD>/<HH>/<name>``
(under ``/hls/<slug>/``, so one playback signature covers them; ``api/routes/hls.py``)."""
GAP_FACTOR: Final = 1.5
"""Two segments further apart than this many target durations have a gap between them."""


@dataclass(frozen=True, slots=True)
class ArchivedSegment:
    """One archived segment: its index row."""

    channel_id: int
    start: datetime
    """UTC, timezone-aware."""
    duration_s: float
    bytes: int
    path: str
    """Relative to the archive root: ``<slug>/<YYYY-MM-DD>/<HH>/[<rendition>/]<name>``."""
    id: int | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration_s)


def rendition_of(path: str) -> str | None:
    """The rendition folder of an archive path (a ladder's), ``None`` for a single output."""
    parts = path.split("/")
    return parts[3] if len(parts) == 5 else None


def archive_path(slug: str, start: datetime, name: str, rendition: str | None = None) -> str:
    """Where a segment starting at ``start`` is kept, relative to the archive root."""
    at = start.astimezone(UTC)
    folder = f"{slug}/{at:%Y-%m-%d}/{at:%H}"
    return f"{folder}/{rendition}/{name}" if rendition else f"{folder}/{name}"


def hour_of(relative_dir: str) -> datetime | None:
    """The UTC hour a ``<YYYY-MM-DD>/<HH>`` folder holds, ``None`` for any other name."""
    try:
        return datetime.strptime(relative_dir, "%Y-%m-%d/%H").replace(tzinfo=UTC)
    except ValueError:
        return None


def segment_start(
    program_date_time: str | None, published_at: float, duration_s: float
) -> datetime:
    """A segment's start: its ``#EXT-X-PROGRAM-DATE-TIME``, else the time it was published less
    its duration (it was complete when published)."""
    if program_date_time:
        try:
            parsed = datetime.fromisoformat(program_date_time)
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    return datetime.fromtimestamp(published_at - duration_s, UTC)


@dataclass(frozen=True, slots=True)
class RecordedRange:
    start: datetime
    end: datetime
    segments: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Gap:
    start: datetime
    end: datetime


def split_at_gaps(
    segments: Iterable[ArchivedSegment], target_duration_s: float
) -> list[list[ArchivedSegment]]:
    """Segments (by start, oldest first) cut into runs without a gap: a segment starting more
    than ``GAP_FACTOR`` target durations after the previous one's start, and after the end
    of the run so far, opens a new run."""
    runs: list[list[ArchivedSegment]] = []
    allowed = timedelta(seconds=GAP_FACTOR * target_duration_s)
    current: list[ArchivedSegment] = []
    end = previous_start = datetime.min.replace(tzinfo=UTC)
    for segment in segments:
        if current and segment.start - previous_start > allowed and segment.start > end:
            runs.append(current)
            current = []
        end = max(end, segment.end) if current else segment.end
        current.append(segment)
        previous_start = segment.start
    if current:
        runs.append(current)
    return runs


def recorded_ranges(
    segments: Iterable[ArchivedSegment], target_duration_s: float
) -> tuple[list[RecordedRange], list[Gap]]:
    """Segments (by start, oldest first) joined into ranges (``split_at_gaps``), with the gaps
    between them. Segments of one start (a ladder's renditions) count once in the range's time."""
    ranges = [
        RecordedRange(run[0].start, max(s.end for s in run), len(run), sum(s.bytes for s in run))
        for run in split_at_gaps(segments, target_duration_s)
    ]
    gaps = [Gap(before.end, after.start) for before, after in itertools.pairwise(ranges)]
    return ranges, gaps
