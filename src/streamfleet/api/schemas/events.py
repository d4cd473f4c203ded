"""Event bodies: one recorded fact about a channel, and a page of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from streamfleet.api.schemas.channels import StatusName


class EventOut(BaseModel):
    id: int
    channel_id: int
    at: datetime
    type: str
    from_status: StatusName | None
    to_status: StatusName | None
    reason: str
    worker: str
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventOut]
    total: int
    limit: int
    offset: int
