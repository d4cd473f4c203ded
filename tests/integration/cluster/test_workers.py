"""The worker registry and the heartbeat on PostgreSQL and MariaDB."""

from __future__ import annotations

from streamfleet.cluster.channel_leases import LeaseBook
from streamfleet.cluster.heartbeat import WorkerHeartbeat
from streamfleet.cluster.workers import WorkerRegistry, WorkerSpec
from tests.integration.cluster.conftest import OpenDatabase, add_channels
from tests.support.waiting import wait_until

SHORT_TTL_S = 0.5
EXPIRY_WAIT_S = 10.0
SPEC = WorkerSpec("w1", "node-1", capacity=8, version="1.2.3", labels={"transcode": "true"})


async def test_a_registered_worker_is_live_with_what_it_said_about_itself(
    open_database: OpenDatabase,
) -> None:
    registry = WorkerRegistry(await open_database())

    await registry.register(SPEC)
    await registry.register(SPEC)

    [worker] = await registry.live()
    assert worker.spec == SPEC
    assert worker.heartbeat_age_s < EXPIRY_WAIT_S


async def test_a_worker_without_heartbeats_drops_out_of_the_live_list_until_it_beats(
    open_database: OpenDatabase,
) -> None:
    registry = WorkerRegistry(await open_database(), ttl_s=SHORT_TTL_S)
    await registry.register(SPEC)

    await wait_until(lambda: _no_live(registry), EXPIRY_WAIT_S, "w1 to stop being live")
    assert [w.spec.id for w in await registry.all()] == ["w1"]
    assert await registry.heartbeat("w1")

    assert [w.spec.id for w in await registry.live()] == ["w1"]


async def test_a_deregistered_worker_is_gone_and_its_heartbeat_says_so(
    open_database: OpenDatabase,
) -> None:
    registry = WorkerRegistry(await open_database())
    await registry.register(SPEC)

    assert await registry.deregister("w1")

    assert await registry.all() == []
    assert not await registry.heartbeat("w1")
    assert not await registry.deregister("w1")


async def test_the_heartbeat_renews_the_workers_leases_in_the_same_transaction(
    open_database: OpenDatabase,
) -> None:
    database = await open_database()
    await add_channels(database, 2)
    registry, book = WorkerRegistry(database), LeaseBook(database)
    await registry.register(SPEC)
    mine = {lease.channel_id: lease.epoch for lease in await book.claim("w1", 5)}

    beat = await WorkerHeartbeat(database, registry, book).beat("w1")
    stranger = await WorkerHeartbeat(database, registry, book).beat("w9")

    assert beat.registered
    assert beat.renewal.lost(mine) == set()
    assert not stranger.registered
    assert stranger.renewal.lost(mine) == set(mine)


async def _no_live(registry: WorkerRegistry) -> bool:
    return await registry.live() == []
