"""Event bodies: one recorded fact about a channel, and a page of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class EventOut(BaseModel):
    id: int
    channel_id: int
    at: datetime
    type: str
    from_status: str | None
    to_status: str | None
    reason: str
    worker: str
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventOut]
    total: int
    limit: int
    offset: int
