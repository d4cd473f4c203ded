"""The event bus interface and its in-process implementation.

Publishers never wait for subscribers: each subscription has a bounded queue,
and a subscriber that lets its queue fill up is cut off (``overflowed``) so it
can never delay the engine or other subscribers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from streamfleet.events.envelope import Envelope

DEFAULT_QUEUE_SIZE = 1000


class Subscription:
    """A bounded queue of envelopes for one subscriber; iterate it to receive them."""

    def __init__(
        self,
        on_close: Callable[[Subscription], None],
        maxsize: int = DEFAULT_QUEUE_SIZE,
        accept: Callable[[Envelope], bool] | None = None,
    ) -> None:
        self._queue: asyncio.Queue[Envelope | None] = asyncio.Queue(maxsize)
        self._on_close = on_close
        self._accept = accept
        self.overflowed = False
        self.closed = False

    def offer(self, envelope: Envelope) -> None:
        """Queue ``envelope`` without waiting; a full queue closes the subscription."""
        if self.closed or (self._accept is not None and not self._accept(envelope)):
            return
        try:
            self._queue.put_nowait(envelope)
        except asyncio.QueueFull:
            self.overflowed = True
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._on_close(self)
        # Wake a waiting reader; drop one queued item if needed to make room.
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def get(self) -> Envelope | None:
        """The next envelope, or ``None`` once the subscription is closed."""
        if self.closed and self._queue.empty():
            return None
        return await self._queue.get()

    def __aiter__(self) -> AsyncIterator[Envelope]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Envelope]:
        while True:
            item = await self.get()
            if item is None:
                return
            yield item


class EventBus(Protocol):
    async def publish(self, envelope: Envelope) -> None: ...

    def publish_nowait(self, envelope: Envelope) -> None: ...

    def subscribe(
        self,
        maxsize: int = DEFAULT_QUEUE_SIZE,
        accept: Callable[[Envelope], bool] | None = None,
    ) -> Subscription: ...

    async def close(self) -> None: ...


class InProcessBus:
    """Fan-out to subscriptions in this process."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()

    async def publish(self, envelope: Envelope) -> None:
        self.publish_nowait(envelope)

    def publish_nowait(self, envelope: Envelope) -> None:
        for sub in list(self._subs):
            sub.offer(envelope)

    def subscribe(
        self,
        maxsize: int = DEFAULT_QUEUE_SIZE,
        accept: Callable[[Envelope], bool] | None = None,
    ) -> Subscription:
        sub = Subscription(self._subs.discard, maxsize, accept)
        self._subs.add(sub)
        return sub

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)

    async def close(self) -> None:
        for sub in list(self._subs):
            sub.close()
