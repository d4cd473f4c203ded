"""Locked ranges of the archive (pure): spans of a channel that retention never deletes.

A segment is kept when any part of it lies in a locked range of its channel (so the
whole range stays playable). Queued and running exports keep their span the same way
while they read it. The free-space floor respects locks too: under it, unlocked
segments go and then recording pauses with an alert.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from streamfleet.domain.archive import ArchivedSegment

MAX_LOCKS_PER_CHANNEL: Final = 100
"""Retention reads every lock at each pass: a bound keeps that cheap."""
MAX_REASON_CHARS: Final = 200


@dataclass(frozen=True, slots=True)
class ArchiveLock:
    channel_id: int
    start: datetime
    end: datetime
    id: int | None = None
    reason: str = ""
    created_at: datetime | None = None
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class KeptSpan:
    """A span retention must not delete from (a lock, or an export still to read it)."""

    channel_id: int
    start: datetime
    end: datetime


class KeptSpans:
    """``keeps(segment)``: whether a segment overlaps one of its channel's kept spans."""

    def __init__(self, spans: Iterable[KeptSpan] = ()) -> None:
        self._by_channel: dict[int, list[KeptSpan]] = defaultdict(list)
        for span in spans:
            self._by_channel[span.channel_id].append(span)

    def keeps(self, segment: ArchivedSegment) -> bool:
        spans = self._by_channel.get(segment.channel_id, ())
        return any(segment.start < s.end and segment.end > s.start for s in spans)
