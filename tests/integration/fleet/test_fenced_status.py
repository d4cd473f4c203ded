"""A worker's status writes carry its lease epoch: once the channel moved, they are refused."""

from __future__ import annotations

from datetime import UTC, datetime

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.session import Database
from streamfleet.domain.status import Status, StatusChanged, StatusEvent
from streamfleet.fleet.fenced_sink import FencedStatusSink
from tests.integration.cluster.conftest import add_channels


def change(channel_id: int, to: Status, worker: str) -> StatusChanged:
    return StatusChanged(
        channel_id,
        datetime.now(UTC),
        Status.STARTING,
        to,
        StatusEvent.PROGRESS_SEEN,
        "test",
        worker,
    )


async def stored_status(database: Database, channel_id: int) -> Status:
    channels = ChannelRepository(database.sessions, srt_port_range=(10000, 10999))
    return (await channels.get(channel_id)).status


async def test_a_stale_workers_status_write_is_refused_and_the_new_owners_stands(
    database: Database,
) -> None:
    """w1 writes under epoch 1; the channel moves to w2 (epoch 2); w1's late write is refused."""
    [channel_id] = await add_channels(database, 1)
    book = LeaseBook(database)
    first = await book.claim_specific(channel_id, "w1")
    assert first is not None
    held: dict[str, ChannelLease] = {"w1": first}
    stale_sink = FencedStatusSink(book, lambda _: held["w1"])

    await stale_sink.record_all([change(channel_id, Status.ONLINE, "w1")])
    assert await stored_status(database, channel_id) is Status.ONLINE

    assert await book.release(first)
    second = await book.claim_specific(channel_id, "w2")
    assert second is not None
    assert second.epoch > first.epoch
    await FencedStatusSink(book, lambda _: second).record_all(
        [change(channel_id, Status.DEGRADED, "w2")]
    )

    await stale_sink.record_all([change(channel_id, Status.OFFLINE, "w1")])
    assert stale_sink.refused == 1
    assert await stored_status(database, channel_id) is Status.DEGRADED


async def test_a_change_for_a_channel_the_worker_holds_no_lease_on_is_not_written(
    database: Database,
) -> None:
    """Without a lease (the worker gave the channel up) nothing is written for it."""
    [channel_id] = await add_channels(database, 1)
    sink = FencedStatusSink(LeaseBook(database), lambda _: None)
    before = await stored_status(database, channel_id)
    await sink.record_all([change(channel_id, Status.ONLINE, "w1")])
    assert sink.refused == 1
    assert await stored_status(database, channel_id) is before
