"""The event bus of a fleet: envelopes fan out in this process and travel over Redis to the others.

Workers publish status envelopes; API nodes (and other workers) receive them and hand
them to their own subscribers (WebSocket clients, alert rules). Subscribers in the
publishing process get an envelope at once, from the in-process fan-out, whether Redis
is up or not; the copy that comes back from Redis carries this bus's ``origin`` and is
not delivered twice. While Redis is unreachable, publishing never waits or raises
(``RedisChannel``): workers go on streaming and recording status in the database, and
API nodes serve what the database says.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Final

import structlog

from streamfleet.events.bus import DEFAULT_QUEUE_SIZE, InProcessBus, Subscription
from streamfleet.events.envelope import Envelope
from streamfleet.events.redis_channel import RedisChannel, connect

EVENTS_CHANNEL: Final = "events"
"""The pub/sub channel (after the fleet's prefix) that carries every envelope."""

log = structlog.get_logger()


class RedisBus:
    def __init__(self, url: str, prefix: str) -> None:
        self.origin = uuid.uuid4().hex
        self._client = connect(url)
        self._local = InProcessBus()
        self._channel = RedisChannel(self._client, f"{prefix}:{EVENTS_CHANNEL}")

    @classmethod
    async def open(cls, url: str, prefix: str) -> RedisBus:
        bus = cls(url, prefix)
        bus._channel.start(bus._received)
        return bus

    async def publish(self, envelope: Envelope) -> None:
        self.publish_nowait(envelope)

    def publish_nowait(self, envelope: Envelope) -> None:
        self._local.publish_nowait(envelope)
        self._channel.send(
            json.dumps({"origin": self.origin, "envelope": envelope.to_dict()}, default=str)
        )

    def subscribe(
        self,
        maxsize: int = DEFAULT_QUEUE_SIZE,
        accept: Callable[[Envelope], bool] | None = None,
    ) -> Subscription:
        return self._local.subscribe(maxsize, accept)

    async def close(self) -> None:
        await self._channel.close()
        await self._local.close()
        await self._client.aclose()

    def _received(self, message: str) -> None:
        try:
            raw = json.loads(message)
            if raw.get("origin") == self.origin:
                return
            envelope = Envelope.from_dict(raw["envelope"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("redis.bad_envelope", error=type(exc).__name__)
            return
        self._local.publish_nowait(envelope)
