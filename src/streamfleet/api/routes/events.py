"""``/api/v1/events``: the recorded history of every channel, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from streamfleet.api.deps import EventsDep
from streamfleet.api.params import Offset, RowIdFilter
from streamfleet.api.schemas.events import EventOut, EventPage
from streamfleet.db.repositories.events import EventRepository
from streamfleet.domain.errors import InvalidInput
from streamfleet.logs import redact_text

router = APIRouter(prefix="/api/v1", tags=["events"])


class EventFilters:
    """Query filters shared by ``/events`` and ``/channels/{id}/events``."""

    def __init__(
        self,
        type: Annotated[str | None, Query(max_length=32)] = None,
        since: Annotated[datetime | None, Query(description="inclusive, ISO 8601")] = None,
        until: Annotated[datetime | None, Query(description="exclusive, ISO 8601")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Offset = 0,
    ) -> None:
        for name, value in (("since", since), ("until", until)):
            if value is not None and value.tzinfo is None:
                raise InvalidInput.of(name, "must carry a time zone (e.g. Z)")
        self.type, self.since, self.until = type, since, until
        self.limit, self.offset = limit, offset


@router.get("/events", response_model=EventPage)
async def events_list(
    events: EventsDep,
    filters: Annotated[EventFilters, Depends()],
    channel_id: RowIdFilter = None,
) -> EventPage:
    return await event_page(events, filters, channel_id=channel_id)


async def event_page(
    events: EventRepository, filters: EventFilters, *, channel_id: int | None
) -> EventPage:
    page = await events.list_page(
        channel_id=channel_id,
        type=filters.type,
        since=filters.since,
        until=filters.until,
        limit=filters.limit,
        offset=filters.offset,
    )
    items = [
        EventOut(
            id=e.id,
            channel_id=e.channel_id,
            at=e.at,
            type=e.type,
            from_status=e.from_status.value if e.from_status else None,
            to_status=e.to_status.value if e.to_status else None,
            reason=redact_text(e.reason),
            worker=e.worker,
            data=e.data,
        )
        for e in page.items
    ]
    return EventPage(items=items, total=page.total, limit=page.limit, offset=page.offset)
