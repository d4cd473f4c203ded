"""Command replies over Redis: a worker says "finished" on a per-command list, the API node
that issued the command blocks on it (``BLPOP``) instead of polling the database.

The reply carries nothing but the fact: the command's row is the truth, read after the
reply (or after the wait ran out). Redis is a shortcut here, never a dependency: ``wait``
answers ``None`` when Redis cannot be reached, and the caller polls the row instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

import redis.asyncio as redis
import structlog

from streamfleet.events.redis_channel import REDIS_FAILURES, SEND_TIMEOUT_S, connect

REPLY_TTL_S: Final = 60
"""How long an unread reply stays in Redis (the API node waited less, or went away)."""
WAIT_SLACK_S: Final = 1.0
"""Added to a blocking read's own timeout before the client gives up on Redis."""

log = structlog.get_logger()


class CommandReplies:
    def __init__(self, url: str, prefix: str) -> None:
        self._client: redis.Redis = connect(url)
        self._prefix = prefix

    def _key(self, command_id: str) -> str:
        return f"{self._prefix}:command:{command_id}"

    async def announce(self, command_id: str) -> None:
        """Tell whoever waits that ``command_id`` is finished (its row is written)."""
        key = self._key(command_id)
        try:
            async with asyncio.timeout(SEND_TIMEOUT_S):
                async with self._client.pipeline(transaction=False) as pipe:
                    pipe.rpush(key, "finished")
                    pipe.expire(key, REPLY_TTL_S)
                    await pipe.execute()
        except REDIS_FAILURES as exc:
            log.info("fleet.command_reply_lost", command=command_id, error=type(exc).__name__)

    async def wait(self, command_id: str, timeout_s: float) -> bool | None:
        """Whether the reply came within ``timeout_s`` (0 would block for ever in Redis: never
        less than 10 ms); ``None`` when Redis failed."""
        block_s = max(timeout_s, 0.01)
        try:
            async with asyncio.timeout(block_s + WAIT_SLACK_S):
                got = await self._client.blpop([self._key(command_id)], timeout=block_s)
        except REDIS_FAILURES as exc:
            log.info("fleet.command_wait_without_redis", command=command_id, error=str(exc))
            return None
        return got is not None

    async def close(self) -> None:
        with contextlib.suppress(*REDIS_FAILURES):
            await self._client.aclose()
