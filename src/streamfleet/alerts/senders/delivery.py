"""What a sender gets (one outbox row and its target) and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt at sending one notification to one target."""

    notification_id: int
    event: str
    attempt: int
    created_at: datetime
    payload: dict[str, Any]
    """``{"title", "text", "alerts"}`` as fixed in the outbox row."""
    target_name: str
    url: str
    secret: str | None = None

    @property
    def title(self) -> str:
        return str(self.payload.get("title", ""))

    @property
    def text(self) -> str:
        return str(self.payload.get("text", "")) or self.title


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    error: str | None = None
    status_code: int | None = None


class Sender(Protocol):
    async def send(self, delivery: Delivery, timeout_s: float) -> SendResult:
        """Deliver once; never raises for a delivery failure, answers ``ok=False`` instead."""
        ...

    async def close(self) -> None: ...
