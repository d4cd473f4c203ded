"""The event history on every backend: one transaction per status change, newest first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from streamfleet.db import migrate
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.session import Database
from streamfleet.domain.channel_rules import parse_channel_spec
from streamfleet.domain.status import Status, StatusChanged, StatusEvent

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await migrate.upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


async def new_channel(database: Database, name: str) -> int:
    channels = ChannelRepository(database.sessions, srt_port_range=(10000, 10010))
    record = await channels.create(
        parse_channel_spec({"name": name, "input_url": "udp://239.0.0.1:1234"})
    )
    return record.channel.id


def change(
    channel_id: int, at: datetime, to: Status, reason: str = "", old: Status = Status.STOPPED
) -> StatusChanged:
    return StatusChanged(channel_id, at, old, to, StatusEvent.START_REQUESTED, reason, "worker-1")


async def test_a_status_change_writes_the_event_and_the_channel_status_together(
    database: Database,
) -> None:
    channel_id = await new_channel(database, "News")
    events = EventRepository(database.sessions)
    event = await events.record_status(change(channel_id, T0, Status.STARTING, "operator"))
    assert event is not None
    assert (event.type, event.from_status, event.to_status) == ("status", "stopped", "starting")
    assert event.at == T0
    assert event.data == {"event": "start_requested"}
    stored = await ChannelRepository(database.sessions, srt_port_range=(1, 2)).get(channel_id)
    assert (stored.status, stored.status_since, stored.status_reason) == (
        Status.STARTING,
        T0,
        "operator",
    )


async def test_a_change_for_a_deleted_channel_is_dropped(database: Database) -> None:
    events = EventRepository(database.sessions)
    assert await events.record_status(change(4242, T0, Status.STARTING)) is None
    assert (await events.list_page()).total == 0


async def test_a_batch_of_changes_is_written_in_order_and_skips_deleted_channels(
    database: Database,
) -> None:
    """The engine's recorder writes what queued up at once (an import queues hundreds)."""
    a = await new_channel(database, "A")
    b = await new_channel(database, "B")
    events = EventRepository(database.sessions)
    await events.record_all(
        [
            change(a, T0, Status.QUEUED, "waiting"),
            change(4242, T0, Status.QUEUED, "gone"),
            change(b, T0 + timedelta(seconds=1), Status.QUEUED, "waiting"),
            change(a, T0 + timedelta(seconds=2), Status.STARTING, "slot", old=Status.QUEUED),
        ]
    )
    listed = await events.list_page()
    assert [(e.channel_id, e.to_status) for e in listed.items] == [
        (a, "starting"),
        (b, "queued"),
        (a, "queued"),
    ]
    channels = ChannelRepository(database.sessions, srt_port_range=(1, 2))
    assert (await channels.get(a)).status is Status.STARTING
    assert (await channels.get(b)).status is Status.QUEUED


async def test_events_list_newest_first_with_filters_and_pages(database: Database) -> None:
    a = await new_channel(database, "A")
    b = await new_channel(database, "B")
    events = EventRepository(database.sessions)
    for i in range(5):
        await events.record(change(a, T0 + timedelta(seconds=i), Status.STARTING, f"a{i}"))
    await events.record(change(b, T0 + timedelta(seconds=10), Status.STARTING, "b0"))

    everything = await events.list_page()
    assert [e.reason for e in everything.items] == ["b0", "a4", "a3", "a2", "a1", "a0"]
    only_a = await events.list_page(channel_id=a, limit=2, offset=1)
    assert (only_a.total, [e.reason for e in only_a.items]) == (5, ["a3", "a2"])
    window = await events.list_page(
        since=T0 + timedelta(seconds=1), until=T0 + timedelta(seconds=3)
    )
    assert [e.reason for e in window.items] == ["a2", "a1"]
    assert (await events.list_page(type="alert")).total == 0


async def test_a_long_reason_is_cut_to_the_column_size(database: Database) -> None:
    channel_id = await new_channel(database, "News")
    events = EventRepository(database.sessions)
    event = await events.record_status(change(channel_id, T0, Status.STARTING, "x" * 5000))
    assert event is not None
    stored = (await events.list_page()).items[0]
    assert len(stored.reason) == 1000
