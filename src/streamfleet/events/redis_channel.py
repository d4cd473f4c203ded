"""One Redis pub/sub channel: publish text without ever blocking the caller, listen with
reconnection. ``RedisBus`` (events) and the fleet's wake-ups run on it.

Redis is an optional path, never a dependency of the work itself: while it cannot be
reached, ``send`` drops what does not fit in a bounded queue (the oldest stays, so what
was said first is delivered first when Redis returns), and ``listen`` tries again every
``RECONNECT_DELAY_S``. Nothing raises to the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Final

import redis.asyncio as redis
import structlog

CONNECT_TIMEOUT_S: Final = 1.0
"""How long opening a connection to Redis may take."""
SEND_TIMEOUT_S: Final = 2.0
"""How long one ``PUBLISH`` may take before it counts as failed."""
RECONNECT_DELAY_S: Final = 1.0
"""The wait before a listener or sender tries Redis again after a failure."""
OUTBOX_SIZE: Final = 10_000
"""Messages kept for Redis while it is unreachable; more are dropped."""
REDIS_FAILURES: Final = (redis.RedisError, OSError, TimeoutError)

log = structlog.get_logger()


def connect(url: str) -> redis.Redis:
    """A client that fails fast when Redis is down (the callers retry on their own)."""
    return redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        health_check_interval=10,
        decode_responses=True,
    )


class RedisChannel:
    """Publish to and listen on the pub/sub channel ``name``."""

    def __init__(self, client: redis.Redis, name: str) -> None:
        self._client = client
        self.name = name
        self._outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_SIZE)
        self._tasks: list[asyncio.Task[None]] = []
        self.dropped = 0

    def start(self, on_message: Callable[[str], None] | None) -> None:
        """Start sending; and listening, handing every message to ``on_message``."""
        self._tasks.append(asyncio.create_task(self._send(), name=f"redis-send:{self.name}"))
        if on_message is not None:
            self._tasks.append(
                asyncio.create_task(self._listen(on_message), name=f"redis-listen:{self.name}")
            )

    def send(self, message: str) -> None:
        """Queue ``message`` for Redis without waiting; dropped when the queue is full."""
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped += 1

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _send(self) -> None:
        message: str | None = None
        failing = False
        while True:
            if message is None:
                message = await self._outbox.get()
            try:
                await asyncio.wait_for(self._client.publish(self.name, message), SEND_TIMEOUT_S)
            except REDIS_FAILURES as exc:
                if not failing:
                    log.warning("redis.publish_failed", channel=self.name, error=type(exc).__name__)
                failing = True
                await asyncio.sleep(RECONNECT_DELAY_S)
                continue
            if failing:
                log.info("redis.publish_resumed", channel=self.name)
                failing = False
            message = None

    async def _listen(self, on_message: Callable[[str], None]) -> None:
        while True:
            pubsub = self._client.pubsub()
            try:
                await pubsub.subscribe(self.name)
                log.info("redis.listening", channel=self.name)
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        on_message(str(item["data"]))
            except REDIS_FAILURES as exc:
                log.warning("redis.listen_failed", channel=self.name, error=type(exc).__name__)
            finally:
                with contextlib.suppress(*REDIS_FAILURES):
                    await pubsub.aclose()
            await asyncio.sleep(RECONNECT_DELAY_S)
