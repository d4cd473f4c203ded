"""``MoveLog``: a channel's move between workers, written to its history and published.

    await moves.record(ChannelMoved(...), slug)

The placer records ``worker lost`` moves, a draining worker ``drained`` ones and a worker
over its capacity ``over capacity`` ones (``domain/channel_move.py``). The row goes to
``channel_events`` (type ``moved``, ``GET /api/v1/channels/{id}/events``), the envelope
``channel_moved`` to the bus (and over Redis to every API node's WebSocket).
"""

from __future__ import annotations

import structlog

from streamfleet.db.repositories.events import EventRepository
from streamfleet.domain.channel_move import ChannelMoved
from streamfleet.events.bus import EventBus
from streamfleet.events.envelope import Envelope, EventType

log = structlog.get_logger()


class MoveLog:
    def __init__(self, events: EventRepository, bus: EventBus | None) -> None:
        self._events = events
        self._bus = bus

    async def record(self, move: ChannelMoved, slug: str) -> int | None:
        """The id of the event row written; ``None`` when the channel no longer exists."""
        event = await self._events.record_move(move)
        log.info(
            "fleet.channel_moved",
            channel_id=move.channel_id,
            worker=move.to_worker,
            previous=move.from_worker,
            reason=move.reason.value,
        )
        if event is None:
            return None
        if self._bus is not None:
            data = {"id": move.channel_id, "reason": move.reason.value, **move.as_data()}
            self._bus.publish_nowait(Envelope(EventType.CHANNEL_MOVED, slug, data))
        return event.id

    async def settled(self, move: ChannelMoved, event_id: int) -> bool:
        """Whether the moved channel runs on its new worker (or failed there) since the move."""
        return await self._events.settled_since(move.channel_id, event_id, move.to_worker)
