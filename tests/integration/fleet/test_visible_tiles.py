"""The tiles shown on API nodes reach workers through Redis: the union of every connection's
set, a set gone when its connection ends, ``None`` (show everything) while Redis is down, and
the sets written again once it is back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from streamfleet.fleet.visible_tiles import (
    REFRESH_INTERVAL_S,
    TILES_TTL_S,
    TileReader,
    TileReporter,
    tiles_key,
)
from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until

WRITE_TIMEOUT_S = 10.0


@pytest.fixture
def prefix() -> str:
    return f"sf-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def nodes(
    redis_server: RedisServer, prefix: str
) -> AsyncIterator[tuple[TileReporter, TileReporter, TileReader]]:
    first = TileReporter(redis_server.url, prefix, node="n1")
    second = TileReporter(redis_server.url, prefix, node="n2")
    reader = TileReader(redis_server.url, prefix)
    first.start()
    second.start()
    try:
        yield first, second, reader
    finally:
        await first.close()
        await second.close()
        await reader.close()


async def test_a_worker_reads_the_union_of_every_connection_on_every_api_node(
    nodes: tuple[TileReporter, TileReporter, TileReader], redis_server: RedisServer, prefix: str
) -> None:
    first, second, reader = nodes
    first.show("c1", frozenset({"news", "sport"}))
    second.show("c2", frozenset({"sport", "weather"}))
    await wait_until(
        lambda: _reads(reader, {"news", "sport", "weather"}), WRITE_TIMEOUT_S, "the union"
    )
    client = redis.from_url(redis_server.url)
    try:
        assert 0 < await client.ttl(tiles_key(prefix, "n1", "c1")) <= TILES_TTL_S
    finally:
        await client.aclose()

    first.left("c1")
    await wait_until(lambda: _reads(reader, {"sport", "weather"}), WRITE_TIMEOUT_S, "c1 gone")
    second.show("c2", frozenset())  # shows no tile any more
    await wait_until(lambda: _reads(reader, set()), WRITE_TIMEOUT_S, "nothing shown")


async def test_with_redis_down_a_worker_reads_unknown_and_the_sets_return_with_redis(
    nodes: tuple[TileReporter, TileReporter, TileReader], redis_server: RedisServer
) -> None:
    first, second, reader = nodes
    first.show("c1", frozenset({"news"}))
    await wait_until(lambda: _reads(reader, {"news"}), WRITE_TIMEOUT_S, "news shown")

    redis_server.stop()
    assert await reader.shown() is None
    second.show("c2", frozenset({"weather"}))  # neither waits nor raises

    redis_server.start()  # empty: n2 writes its set at once, n1 at its next renewal
    await wait_until(
        lambda: _reads(reader, {"news", "weather"}),
        REFRESH_INTERVAL_S + WRITE_TIMEOUT_S,
        "the sets written again",
    )


async def _reads(reader: TileReader, expected: set[str]) -> bool:
    return await reader.shown() == expected
