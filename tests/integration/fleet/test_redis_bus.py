"""Envelopes cross processes over Redis; with Redis gone, publishing neither waits nor raises,
local subscribers still get everything, and the buses carry on once Redis is back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from streamfleet.events.bus import Subscription
from streamfleet.events.envelope import Envelope, EventType
from streamfleet.events.redis_bus import RedisBus
from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until

DELIVERY_TIMEOUT_S = 10.0
RETRY_S = 0.2
"""How long one try waits for the envelope before publishing it again."""


@pytest.fixture
async def buses(redis_server: RedisServer) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    worker = await RedisBus.open(redis_server.url, "sf-test")
    api = await RedisBus.open(redis_server.url, "sf-test")
    try:
        yield worker, api
    finally:
        await worker.close()
        await api.close()


def status(slug: str, value: str) -> Envelope:
    return Envelope(EventType.STATUS, slug, {"status": value})


async def received_until(
    subscription: Subscription, bus: RedisBus, envelope: Envelope
) -> list[Envelope]:
    """Publishes ``envelope`` on ``bus`` until ``subscription`` gets it (a subscriber of another
    bus sees it only once its listener is subscribed in Redis)."""
    got: list[Envelope] = []

    async def arrived() -> bool:
        await bus.publish(envelope)
        with contextlib.suppress(TimeoutError):
            while (item := await asyncio.wait_for(subscription.get(), RETRY_S)) is not None:
                got.append(item)
        return any(e.channel == envelope.channel for e in got)

    await wait_until(arrived, DELIVERY_TIMEOUT_S, f"{envelope.channel} over Redis")
    return got


async def test_a_workers_status_envelope_reaches_an_api_node_once(
    buses: tuple[RedisBus, RedisBus],
) -> None:
    """Published on the worker's bus, seen by the API's subscribers; the worker's own
    subscribers get it once (in-process), not again from Redis."""
    worker, api = buses
    on_api = api.subscribe()
    on_worker = worker.subscribe()
    got = await received_until(on_api, worker, status("one", "online"))
    assert {(e.type, e.channel, e.data["status"]) for e in got} == {
        (EventType.STATUS, "one", "online")
    }
    mine = [await on_worker.get() for _ in range(len(got))]
    assert all(e is not None and e.channel == "one" for e in mine)


async def test_with_redis_gone_publishing_goes_on_locally_and_resumes_when_it_returns(
    buses: tuple[RedisBus, RedisBus], redis_server: RedisServer
) -> None:
    """Redis stopped: publishing returns at once and local subscribers get every envelope;
    Redis started again: envelopes cross again."""
    worker, api = buses
    on_api = api.subscribe()
    await received_until(on_api, worker, status("before", "online"))
    redis_server.stop()
    on_worker = worker.subscribe()
    for number in range(50):
        worker.publish_nowait(status(f"down-{number}", "online"))
    local = [await on_worker.get() for _ in range(50)]
    assert [e.channel for e in local if e is not None] == [f"down-{n}" for n in range(50)]
    redis_server.start()
    got = await received_until(on_api, worker, status("after", "online"))
    assert any(e.channel == "after" for e in got)
