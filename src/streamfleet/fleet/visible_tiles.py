"""The wall's visible tiles across the fleet: API nodes write them to Redis, workers read them.

A dashboard tells its API node which tiles it has on screen (``api/routes/live.py``); the
node keeps one Redis set per connection, ``<prefix>:tiles:<node>:<client>``, holding the
slugs, with a TTL of ``TILES_TTL_S`` that the node renews every ``REFRESH_INTERVAL_S``
while the connection lasts (the wall sends its set only when it changes). A connection that
ends deletes its set; a node that dies leaves sets that expire within the TTL.

A worker reads the union of every set at each follow (``fleet/worker.py``) and makes JPEGs
only for its channels in it (``engine/thumbnailer.py``): none while nobody watches. When Redis
cannot be read, ``TileReader.shown`` answers ``None`` and the worker shows all its channels,
as before tiles crossed the fleet. Media info and content checks do not depend on it.

Redis is a shortcut here, never a dependency: the writer never blocks the WebSocket and
never raises to it; both sides log a failure once and its end once.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Final

import redis.asyncio as redis
import structlog

from streamfleet.background import stop_task
from streamfleet.domain.slug import is_valid_slug
from streamfleet.events.redis_channel import (
    RECONNECT_DELAY_S,
    REDIS_FAILURES,
    SEND_TIMEOUT_S,
    connect,
)

TILES_TTL_S: Final = 30
"""How long a connection's set outlives its node's last renewal (a node killed with -9)."""
REFRESH_INTERVAL_S: Final = 10.0
"""How often an API node writes its connections' sets again (renewing their TTL)."""
READ_TIMEOUT_S: Final = 1.0
"""How long a worker's reading of every set may take before it counts as failed."""
SCAN_BATCH: Final = 500
"""Keys asked for per ``SCAN`` step."""
MAX_SETS: Final = 10_000
"""Connections' sets read at most (the fleet's dashboards open at once)."""
SUNION_BATCH: Final = 500
"""Sets joined per ``SUNION``."""

log = structlog.get_logger()


def tiles_pattern(prefix: str) -> str:
    return f"{prefix}:tiles:*"


def tiles_key(prefix: str, node: str, client: str) -> str:
    return f"{prefix}:tiles:{node}:{client}"


def shown_here(running: frozenset[str], shown: frozenset[str] | None) -> frozenset[str]:
    """The channels running here that get JPEGs: those some dashboard shows, or all of them
    when what dashboards show is unknown (Redis unreachable)."""
    return running if shown is None else running & shown


class TileReporter:
    """An API node's side: what each of its connections shows, kept in Redis."""

    def __init__(self, url: str, prefix: str, node: str | None = None) -> None:
        self._client: redis.Redis = connect(url)
        self._prefix = prefix
        self.node = node or uuid.uuid4().hex[:12]
        self._shown: dict[str, frozenset[str]] = {}
        self._gone: set[str] = set()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def show(self, client: str, slugs: frozenset[str]) -> None:
        """``client`` now shows these tiles (none: it shows nothing); written soon, never
        waited for."""
        if slugs:
            self._shown[client] = slugs
            self._gone.discard(client)
        else:
            self.left(client)
            return
        self._changed.set()

    def left(self, client: str) -> None:
        if self._shown.pop(client, None) is not None:
            self._gone.add(client)
            self._changed.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fleet-tiles")

    async def close(self) -> None:
        await stop_task(self._task)
        self._task = None
        self._gone |= set(self._shown)
        self._shown.clear()
        with contextlib.suppress(*REDIS_FAILURES):
            await self._write()
        with contextlib.suppress(*REDIS_FAILURES):
            await self._client.aclose()

    async def _run(self) -> None:
        failing = False
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), REFRESH_INTERVAL_S)
            self._changed.clear()
            try:
                await self._write()
            except REDIS_FAILURES as exc:
                if not failing:
                    log.warning("fleet.tiles_unwritten", node=self.node, error=type(exc).__name__)
                failing = True
                await asyncio.sleep(RECONNECT_DELAY_S)
                self._changed.set()  # try again
                continue
            if failing:
                log.info("fleet.tiles_written_again", node=self.node)
                failing = False

    async def _write(self) -> None:
        """Every connection's set as it stands (renewing its TTL); the ended ones deleted."""
        shown, gone = dict(self._shown), set(self._gone)
        if not shown and not gone:
            return
        async with asyncio.timeout(SEND_TIMEOUT_S):
            async with self._client.pipeline(transaction=True) as pipe:
                for client in gone:
                    pipe.delete(tiles_key(self._prefix, self.node, client))
                for client, slugs in shown.items():
                    key = tiles_key(self._prefix, self.node, client)
                    pipe.delete(key)
                    pipe.sadd(key, *sorted(slugs))
                    pipe.expire(key, TILES_TTL_S)
                await pipe.execute()
        self._gone -= gone


class TileReader:
    """A worker's side: the union of what every dashboard of the fleet shows."""

    def __init__(self, url: str, prefix: str) -> None:
        self._client: redis.Redis = connect(url)
        self._prefix = prefix
        self._failing = False

    async def shown(self) -> frozenset[str] | None:
        """Every slug some dashboard shows; ``None`` when Redis cannot say."""
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                slugs = await self._read()
        except REDIS_FAILURES as exc:
            if not self._failing:
                log.warning("fleet.tiles_unknown", error=type(exc).__name__, showing="all")
            self._failing = True
            return None
        if self._failing:
            log.info("fleet.tiles_known_again")
            self._failing = False
        return slugs

    async def _read(self) -> frozenset[str]:
        keys: list[str] = []
        async for key in self._client.scan_iter(tiles_pattern(self._prefix), count=SCAN_BATCH):
            keys.append(str(key))
            if len(keys) >= MAX_SETS:
                break
        slugs: set[str] = set()
        for start in range(0, len(keys), SUNION_BATCH):
            found = await self._client.sunion(keys[start : start + SUNION_BATCH])
            slugs.update(str(slug) for slug in found)
        return frozenset(s for s in slugs if is_valid_slug(s))

    async def close(self) -> None:
        with contextlib.suppress(*REDIS_FAILURES):
            await self._client.aclose()
