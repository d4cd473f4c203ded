"""What the archive's background tasks read of the index: its oldest segments."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from streamfleet.domain.archive import ArchivedSegment


class OldestSegments(Protocol):
    async def oldest(
        self,
        channel_id: int,
        limit: int,
        before: datetime | None = None,
        after: ArchivedSegment | None = None,
        *,
        local_only: bool = False,
    ) -> list[ArchivedSegment]:
        """The channel's oldest segments (starting before ``before``, and after the segment
        ``after`` in ``(start, id)`` order, if given; only those the bucket does not hold,
        with ``local_only``)."""
