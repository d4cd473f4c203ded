"""``/api/v1/channels/{id}/recordings``: what the archive holds for a channel, from its index.

A span of at most ``MAX_SPAN`` (one day, the dashboard's timeline) between ``from``
(inclusive, default a day before ``to``) and ``to`` (exclusive, default now), both ISO
8601 with a time zone. Segments starting in the span are joined into ranges; a segment
starting more than 1.5 target durations after the previous one opens a new range after
a gap (``domain.archive.recorded_ranges``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Query

from streamfleet.api.deps import ArchiveDep, ChannelsDep, SettingsDep
from streamfleet.api.params import RowId
from streamfleet.api.schemas.recordings import GapOut, RecordedRangeOut, RecordingsOut
from streamfleet.db.base import utc_now
from streamfleet.domain.archive import recorded_ranges
from streamfleet.domain.archive_span import MAX_SPAN, MAX_SPAN_SEGMENTS, checked_span
from streamfleet.domain.zoned_time import zoned

router = APIRouter(prefix="/api/v1", tags=["recordings"])

EARLIEST_END: Final = datetime.min.replace(tzinfo=UTC) + MAX_SPAN
"""A ``to`` earlier than this has no day before it (``from`` defaults to a day before ``to``)."""


@router.get("/channels/{channel_id}/recordings", response_model=RecordingsOut)
async def recordings_list(
    channel_id: RowId,
    channels: ChannelsDep,
    archive: ArchiveDep,
    settings: SettingsDep,
    from_: Annotated[
        datetime | None, Query(alias="from", description="inclusive, ISO 8601 with a zone")
    ] = None,
    to: Annotated[datetime | None, Query(description="exclusive, ISO 8601 with a zone")] = None,
) -> RecordingsOut:
    channel = (await channels.get(channel_id)).channel
    from_, to = zoned("from", from_), zoned("to", to)
    end = to if to is not None else utc_now()
    start = from_ if from_ is not None else max(end, EARLIEST_END) - MAX_SPAN
    start, end = checked_span(start, end)
    segments = await archive.between(channel.id, start, end, MAX_SPAN_SEGMENTS)
    target_s = channel.hls.segment_seconds or settings.hls_segment_seconds
    ranges, gaps = recorded_ranges(segments, target_s)
    return RecordingsOut(
        ranges=[
            RecordedRangeOut(from_=r.start, to=r.end, segments=r.segments, bytes=r.bytes)
            for r in ranges
        ],
        gaps=[GapOut(from_=g.start, to=g.end) for g in gaps],
    )
