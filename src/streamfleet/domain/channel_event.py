"""A recorded fact about a channel (a status change today; alerts add more types later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streamfleet.domain.status import Status

STATUS_EVENT_TYPE = "status"


@dataclass(frozen=True, slots=True)
class ChannelEvent:
    """One row of a channel's history, newest rows first when listed."""

    id: int
    channel_id: int
    at: datetime
    type: str
    from_status: Status | None = None
    to_status: Status | None = None
    reason: str = ""
    worker: str = ""
    data: dict[str, Any] = field(default_factory=dict)
