"""A worker's media info readings reach ``channel_media`` under its lease epoch, only when they
changed, and API nodes read them by slug; once the channel moved, the old worker's writes are
refused (PostgreSQL, then MariaDB)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.db.repositories.channel_media import ChannelMediaRepository
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.session import Database
from streamfleet.fleet.media_keeper import MediaKeeper
from streamfleet.media.media_info import AudioInfo, MediaInfo, VideoInfo
from tests.integration.cluster.conftest import add_channels

TOOK_AT = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
"""When the keepers below first see their channel (their clock stands still)."""
READ_AT = TOOK_AT + timedelta(seconds=5)
VIDEO = VideoInfo("h264", "High", 1280, 720, 25.0, 2.0, "yuv420p")
HD = MediaInfo(VIDEO, AudioInfo("aac", "LC", 48000, 2), 3000.0, READ_AT)
SD = replace(HD, video=replace(VIDEO, width=640, height=360))
FULL_HD = replace(HD, video=replace(VIDEO, width=1920, height=1080))


@dataclass
class Worker:
    """One worker running one channel: what its thumbnailer read, and its keeper."""

    book: LeaseBook
    lease: ChannelLease
    slug: str
    readings: dict[str, MediaInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keeper = MediaKeeper(
            self.book, {self.lease.channel_id: self.lease}.get, self.readings.get, lambda: TOOK_AT
        )

    async def sync(self, reading: MediaInfo | None = None) -> None:
        """After a follow, with ``reading`` as the thumbnailer's latest (if any)."""
        if reading is not None:
            self.readings[self.slug] = reading
        await self.keeper.sync({self.lease.channel_id: self.slug})


async def new_channel(database: Database) -> tuple[int, str]:
    [channel_id] = await add_channels(database, 1)
    channels = ChannelRepository(database.sessions, srt_port_range=(10000, 10999))
    return channel_id, (await channels.get(channel_id)).channel.slug


async def taking(database: Database, channel_id: int, slug: str, worker_id: str) -> Worker:
    book = LeaseBook(database)
    lease = await book.claim_specific(channel_id, worker_id)
    assert lease is not None
    return Worker(book, lease, slug)


async def test_a_reading_is_written_when_it_changed_and_read_back_by_slug(
    database: Database,
) -> None:
    """First reading: written; the same media with some bitrate noise: not written again; a
    new resolution: written. An API node asks for a page of slugs in one query."""
    channel_id, slug = await new_channel(database)
    worker = await taking(database, channel_id, slug, "w1")
    stored = ChannelMediaRepository(database.sessions)

    await worker.sync()
    assert (worker.keeper.written, await stored.by_slugs([slug])) == (0, {})  # nothing read yet

    await worker.sync(HD)
    assert await stored.by_slugs([slug, "no-such-channel"]) == {slug: HD.to_dict()}

    await worker.sync(replace(HD, bitrate_kbps=3300.0, measured_at=READ_AT + timedelta(seconds=40)))
    assert worker.keeper.written == 1
    assert await stored.by_slugs([slug]) == {slug: HD.to_dict()}

    await worker.sync(SD)
    assert worker.keeper.written == 2
    assert await stored.by_slugs([slug]) == {slug: SD.to_dict()}
    assert await stored.by_slugs([]) == {}


async def test_a_stale_workers_reading_is_refused_and_the_new_owners_stands(
    database: Database,
) -> None:
    """w1 writes under epoch 1; the channel moves to w2 (epoch 2), which writes its own
    reading; w1's next reading is refused."""
    channel_id, slug = await new_channel(database)
    old = await taking(database, channel_id, slug, "w1")
    await old.sync(HD)
    assert old.keeper.written == 1

    assert await old.book.release(old.lease)
    new = await taking(database, channel_id, slug, "w2")
    assert new.lease.epoch > old.lease.epoch
    await new.sync(SD)

    await old.sync(FULL_HD)
    assert (old.keeper.written, old.keeper.refused) == (1, 1)
    stored = ChannelMediaRepository(database.sessions)
    assert await stored.by_slugs([slug]) == {slug: SD.to_dict()}


async def test_a_reading_from_before_the_worker_took_the_channel_is_not_written(
    database: Database,
) -> None:
    """A reading kept in memory from an earlier run on this worker could hide what another
    worker measured since: only readings made after the lease was taken are written."""
    channel_id, slug = await new_channel(database)
    worker = await taking(database, channel_id, slug, "w1")

    await worker.sync(replace(HD, measured_at=TOOK_AT - timedelta(minutes=5)))
    assert worker.keeper.written == 0
    assert await ChannelMediaRepository(database.sessions).by_slugs([slug]) == {}
