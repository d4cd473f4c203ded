"""The one message shape every live event travels in (bus, WebSocket, SSE, Redis).

``{"type": "status", "channel": "bbc-one", "ts": 1732470000.123, "data": {...}}``
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass, field
from typing import Any


class EventType(enum.StrEnum):
    SNAPSHOT = "snapshot"
    STATUS = "status"
    METRICS = "metrics"
    MEDIA_INFO = "media_info"
    THUMBNAIL = "thumbnail"
    CONTENT = "content"
    CHANNEL_CREATED = "channel_created"
    CHANNEL_UPDATED = "channel_updated"
    CHANNEL_DELETED = "channel_deleted"
    CHANNEL_MOVED = "channel_moved"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class Envelope:
    type: EventType
    channel: str | None
    data: dict[str, Any]
    ts: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type.value, "channel": self.channel, "ts": self.ts, "data": self.data}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), default=str)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Envelope:
        return cls(EventType(raw["type"]), raw.get("channel"), dict(raw["data"]), float(raw["ts"]))
