"""MP4 exports of the archive (pure): a job's states, and how a span becomes parts.

An export copies (``-c copy``) the segments of one channel starting in ``[from, to)``
into MP4 files. The span is cut at every gap of the recording (``split_at_gaps``: a
source lost, recording paused, the channel restarted): each run without a gap is one
part, ``part-<n>.mp4``, so no file ever joins two timelines. A ladder exports one
rendition, the one with the most bytes in the span (its best quality).

Job states and the allowed moves::

    queued -> running -> done | failed
    running -> failed          the server stopped during the export (found at the next start)
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from streamfleet.domain.archive import ArchivedSegment, rendition_of, split_at_gaps

MAX_PARTS: Final = 100
"""Parts of one export: a day cut by more gaps than this is refused (``to``)."""
MAX_ERROR_CHARS: Final = 500


class ExportState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ACTIVE: Final = frozenset({ExportState.QUEUED, ExportState.RUNNING})
"""States whose span retention keeps (the job will read its segments)."""


@dataclass(frozen=True, slots=True)
class ExportPart:
    """One MP4 of a job: the time it covers and, once written, its size."""

    index: int
    """1-based."""
    start: datetime
    end: datetime
    bytes: int = 0

    @property
    def file_name(self) -> str:
        return part_file_name(self.index)


@dataclass(frozen=True, slots=True)
class ExportJob:
    id: int
    channel_id: int
    channel_slug: str
    start: datetime
    end: datetime
    state: ExportState
    progress: float
    created_at: datetime
    parts: tuple[ExportPart, ...] = ()
    error: str | None = None
    finished_at: datetime | None = None
    requested_by: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedPart:
    """What FFmpeg copies into one part: whole segments, and how long the part lasts."""

    index: int
    segments: tuple[ArchivedSegment, ...]
    start: datetime
    end: datetime

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()

    def as_part(self, size: int = 0) -> ExportPart:
        return ExportPart(self.index, self.start, self.end, size)


def part_file_name(index: int) -> str:
    return f"part-{index}.mp4"


def download_name(slug: str, part: ExportPart) -> str:
    """``news_20261203T221500Z_1.mp4``: the channel, the part's UTC start, its index."""
    return f"{slug}_{part.start.astimezone(UTC):%Y%m%dT%H%M%SZ}_{part.index}.mp4"


def plan_export(
    segments: Sequence[ArchivedSegment], target_duration_s: float, end: datetime
) -> list[PlannedPart]:
    """The parts of an export of ``segments`` (those starting in the span, oldest first):
    one per run without a gap, each from its first segment's start (a keyframe: a copy
    cannot cut between) to its last segment's end or ``end``, whichever comes first."""
    chosen = best_rendition(segments)
    kept = [s for s in segments if rendition_of(s.path) == chosen]
    return [
        PlannedPart(n, tuple(run), run[0].start, min(max(s.end for s in run), end))
        for n, run in enumerate(split_at_gaps(kept, target_duration_s), start=1)
    ]


def best_rendition(segments: Sequence[ArchivedSegment]) -> str | None:
    """The rendition with the most bytes (``None``: a channel without a ladder)."""
    sizes: Counter[str | None] = Counter()
    for segment in segments:
        sizes[rendition_of(segment.path)] += segment.bytes
    return max(sizes, key=lambda r: sizes[r]) if sizes else None


def progress_of(done_s: float, total_s: float) -> float:
    """0-1, never 1 before the job is done (``done`` says that)."""
    if total_s <= 0:
        return 0.0
    return max(0.0, min(0.99, done_s / total_s))
