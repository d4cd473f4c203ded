"""Fan-out of bus envelopes to live clients (WebSocket and SSE), none able to delay another.

One hub per app holds one bus subscription. Each envelope is serialised once
and offered to every client's bounded queue; ``metrics`` envelopes are held and
sent once per ``METRICS_FLUSH_S`` (the newest per channel), everything else at
once. A flush reaches a batching client (WebSocket) as one message, the JSON
array of the envelopes it wants, joined once per distinct channel filter; a
client that does not batch (SSE) gets them one by one. A client whose queue is
full is dropped on the spot: the hub never waits for a client, and each
client's sender waits only for its own socket.

With ``thumbnail_url`` (signed playback), each ``thumbnail`` envelope's URL is replaced
by that function's (freshly signed) one before it is serialised.

The hub starts with its first client and stops with its last, so it owns no
task while nobody listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from typing import Final

import structlog

from streamfleet.api.live_feed import (
    ChannelFilter,
    MetricsCoalescer,
    MetricsFlush,
    coalesced,
    wants,
)
from streamfleet.events.bus import EventBus, Subscription
from streamfleet.events.envelope import Envelope, EventType

log = structlog.get_logger()

CLIENT_QUEUE_SIZE: Final = 512
"""Messages waiting for one client (a metrics batch counts as one); a client this far behind
is dropped."""
METRICS_FLUSH_S: Final = 1.0
HUB_QUEUE_SIZE: Final = 10_000
"""The hub's own bus queue: it only serialises and offers, so it keeps up."""

Message = tuple[str, str]
"""``(type, JSON text)`` of one envelope, serialised once for every client; for a batching
client's metrics flush, ``("metrics", JSON array of envelopes)``."""


class LiveClient:
    """One connected client's queue and filter, as the hub sees it.

    ``batches``: the client takes each metrics flush as one message holding a JSON array
    (WebSocket); otherwise it gets one message per envelope (SSE).
    """

    def __init__(
        self,
        channels: ChannelFilter = None,
        maxsize: int = CLIENT_QUEUE_SIZE,
        *,
        batches: bool = False,
    ) -> None:
        self.channels = channels
        self.batches = batches
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue(maxsize)
        self.dropped: str | None = None
        """Why the hub cut this client off, or ``None`` while it is served."""

    def offer(self, channel: str | None, message: Message) -> bool:
        """Queue ``message`` if the client wants it; ``False`` when the queue is full."""
        if not wants(self.channels, channel):
            return True
        return self.push(message)

    def push(self, message: Message) -> bool:
        """Queue ``message`` whatever the filter (the caller chose it); ``False`` when full."""
        if self.dropped is not None:
            return True
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True

    def cut_off(self, reason: str) -> None:
        """Stop serving: the queue is emptied and the sender wakes up to ``None``."""
        if self.dropped is not None:
            return
        self.dropped = reason
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def next_message(self) -> Message | None:
        """The next message to send, or ``None`` once the client has been cut off."""
        if self.dropped is not None:
            return None
        return await self._queue.get()

    @property
    def backlog(self) -> int:
        return self._queue.qsize()


class LiveHub:
    """One bus subscription shared by every live client of this process."""

    def __init__(
        self,
        bus: EventBus,
        *,
        flush_interval_s: float = METRICS_FLUSH_S,
        thumbnail_url: Callable[[str], str] | None = None,
    ) -> None:
        self._bus = bus
        self._thumbnail_url = thumbnail_url
        self._flush_interval_s = flush_interval_s
        self._clients: set[LiveClient] = set()
        self._coalescer = MetricsCoalescer()
        self._subscription: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.dropped_total = 0

    @property
    def client_count(self) -> int:
        return len(self._clients)

    @property
    def clients(self) -> frozenset[LiveClient]:
        return frozenset(self._clients)

    @property
    def held_metrics(self) -> int:
        """Channels whose newest ``metrics`` envelope waits for the next flush."""
        return len(self._coalescer)

    def connect(
        self,
        channels: ChannelFilter = None,
        maxsize: int = CLIENT_QUEUE_SIZE,
        *,
        batches: bool = False,
    ) -> LiveClient:
        """Register a client; envelopes published from now on are queued for it.

        ``batches=True`` (WebSocket): each metrics flush arrives as one JSON-array message.
        """
        client = LiveClient(channels, maxsize, batches=batches)
        self._clients.add(client)
        if self._subscription is None:
            self._start()
        return client

    def disconnect(self, client: LiveClient) -> None:
        self._clients.discard(client)
        client.cut_off("disconnected")
        if not self._clients:
            self._stop()

    def drop(self, client: LiveClient, reason: str) -> None:
        """Cut off a client that cannot keep up (its handler then closes the connection)."""
        if client in self._clients:
            self.dropped_total += 1
            log.info("live.client_dropped", reason=reason, backlog=client.backlog)
        self._clients.discard(client)
        client.cut_off(reason)
        if not self._clients:
            self._stop()

    def _start(self) -> None:
        self._subscription = self._bus.subscribe(maxsize=HUB_QUEUE_SIZE)
        self._tasks = [
            asyncio.create_task(self._pump(self._subscription), name="live.pump"),
            asyncio.create_task(self._flush_metrics(), name="live.metrics"),
        ]

    def _stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        self._coalescer = MetricsCoalescer()

    async def close(self) -> None:
        """Cut off every client and stop (app shutdown)."""
        for client in list(self._clients):
            self.drop(client, "server shutting down")
        tasks, self._tasks = self._tasks, []
        self._stop()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _pump(self, subscription: Subscription) -> None:
        async for envelope in subscription:
            if coalesced(envelope):
                self._coalescer.offer(envelope)
                continue
            if envelope.type is EventType.THUMBNAIL and self._thumbnail_url is not None:
                envelope = with_thumbnail_url(envelope, self._thumbnail_url)
            if envelope.type is EventType.STATUS or envelope.type is EventType.CHANNEL_DELETED:
                self._coalescer.forget(envelope.channel)  # no stale metrics after the change
            self._fan_out(envelope)
        if subscription.overflowed:
            log.warning("live.hub_overflowed")
        if self._subscription is subscription:  # the bus closed under us
            for client in list(self._clients):
                self.drop(client, "event bus closed")

    async def _flush_metrics(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval_s)
            self.flush_metrics()

    def flush_metrics(self) -> None:
        """Send the held metrics now: one array per batching client, one by one to the rest."""
        flush = MetricsFlush(self._coalescer.drain())
        if not flush:
            return
        kind = EventType.METRICS.value
        for client in list(self._clients):
            if client.batches:
                array = flush.array_for(client.channels)
                accepted = array is None or client.push((kind, array))
            else:
                accepted = all(client.offer(channel, (kind, text)) for channel, text in flush.items)
            if not accepted:
                self.drop(client, "send buffer full")

    def _fan_out(self, envelope: Envelope) -> None:
        message = (envelope.type.value, envelope.to_json())
        for client in list(self._clients):
            if not client.offer(envelope.channel, message):
                self.drop(client, "send buffer full")


def with_thumbnail_url(envelope: Envelope, thumbnail_url: Callable[[str], str]) -> Envelope:
    """``envelope`` with ``data.url`` = ``thumbnail_url(slug)?v=<taken_at>``."""
    if envelope.channel is None:
        return envelope
    url = f"{thumbnail_url(envelope.channel)}?v={envelope.data.get('taken_at', 0)}"
    return dataclasses.replace(envelope, data={**envelope.data, "url": url})
