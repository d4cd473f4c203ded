"""The channel repository on SQLite, PostgreSQL and MariaDB: same code, same answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from streamfleet.db import migrate
from streamfleet.db.repositories.channel_import import import_channels
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.session import Database
from streamfleet.domain.channel import HlsOverrides, IngestMode
from streamfleet.domain.channel_rules import ChannelSpec, parse_channel_patch, parse_channel_spec
from streamfleet.domain.errors import Conflict, InvalidInput, NotFound
from streamfleet.domain.status import Status, StatusChanged, StatusEvent

SRT_PORTS = (10000, 10002)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await migrate.upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def channels(database: Database) -> ChannelRepository:
    return ChannelRepository(database.sessions, srt_port_range=SRT_PORTS)


def spec(name: str, url: str = "udp://239.0.0.1:1234", **fields: object) -> ChannelSpec:
    return parse_channel_spec({"name": name, "input_url": url, **fields})


async def test_a_created_channel_reads_back_with_every_field(channels: ChannelRepository) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    created = await channels.create(
        parse_channel_spec(
            {
                "name": "Ünïcode News ✓",
                "input_url": "rtmp://user:pw@src.example.com/live/key",
                "backup_url": "udp://239.0.0.2:1234",
                "tags": ["news", "hd"],
                "enabled": False,
                "profile": "720p",
                "hls": {"segment_seconds": 4, "list_size": 8},
                "recording": True,
                "retention_days": 30,
                "retention_bytes": 5_000_000_000,
                "thumbnail_interval_s": 5,
                "offline_grace_s": 20,
                "content_checks": ["black", "silence"],
            }
        )
    )
    got = await channels.get(created.channel.id)
    channel = got.channel
    assert channel == created.channel
    assert channel.slug == "unicode-news"
    assert channel.input_url == "rtmp://user:pw@src.example.com/live/key"
    assert channel.tags == ("news", "hd")
    assert channel.hls == HlsOverrides(4.0, 8)
    assert channel.content_checks == ("black", "silence")
    assert (channel.enabled, channel.recording, channel.retention_days) == (False, True, 30)
    assert channel.retention_bytes == 5_000_000_000  # over 32 bits on every backend
    assert channel.created_at is not None
    assert channel.created_at.tzinfo is UTC
    assert before < channel.created_at <= datetime.now(UTC)
    assert got.status is Status.STOPPED


async def test_the_same_name_twice_gets_a_numbered_slug(channels: ChannelRepository) -> None:
    first = await channels.create(spec("News HD"))
    second = await channels.create(spec("News HD"))
    assert (first.channel.slug, second.channel.slug) == ("news-hd", "news-hd-2")


async def test_an_explicit_slug_that_is_taken_is_a_conflict_on_slug(
    channels: ChannelRepository,
) -> None:
    await channels.create(spec("News HD"))
    with pytest.raises(Conflict) as caught:
        await channels.create(spec("Other", slug="news-hd"))
    assert caught.value.field == "slug"
    assert await channels.count() == 1


async def test_listen_channels_get_distinct_ports_a_passphrase_and_a_listener_url(
    channels: ChannelRepository,
) -> None:
    a = await channels.create(parse_channel_spec({"name": "A", "ingest_mode": "listen_srt"}))
    b = await channels.create(parse_channel_spec({"name": "B", "ingest_mode": "listen_srt"}))
    assert (a.channel.listen_port, b.channel.listen_port) == (10000, 10001)
    assert a.channel.passphrase is not None
    assert 10 <= len(a.channel.passphrase) <= 79
    assert a.channel.passphrase != b.channel.passphrase
    assert a.channel.input_url == "srt://0.0.0.0:10000?mode=listener"
    assert a.channel.ingest_mode is IngestMode.LISTEN_SRT


async def test_a_taken_or_out_of_range_port_is_refused_and_a_full_range_too(
    channels: ChannelRepository,
) -> None:
    await channels.create(
        parse_channel_spec({"name": "A", "ingest_mode": "listen_srt", "listen_port": 10001})
    )
    with pytest.raises(Conflict) as taken:
        await channels.create(
            parse_channel_spec({"name": "B", "ingest_mode": "listen_srt", "listen_port": 10001})
        )
    assert taken.value.field == "listen_port"
    with pytest.raises(InvalidInput) as outside:
        await channels.create(
            parse_channel_spec({"name": "C", "ingest_mode": "listen_srt", "listen_port": 20000})
        )
    assert outside.value.errors[0].field == "listen_port"
    for name in ("D", "E"):
        await channels.create(parse_channel_spec({"name": name, "ingest_mode": "listen_srt"}))
    with pytest.raises(Conflict, match="no free SRT port"):
        await channels.create(parse_channel_spec({"name": "F", "ingest_mode": "listen_srt"}))


async def test_listing_filters_by_tag_status_and_text_and_pages(
    channels: ChannelRepository, database: Database
) -> None:
    for i in range(7):
        tags = ["news"] if i % 2 == 0 else ["sport", "news-extra"]
        await channels.create(spec(f"Channel {i}", f"udp://239.0.0.{i}:1234", tags=tags))
    await channels.create(spec("100% Sports_Max", tags=["sport"]))
    events = EventRepository(database.sessions)
    offline = (await channels.get_by_slug("channel-3")).channel.id
    await events.record(
        StatusChanged(
            offline,
            datetime.now(UTC),
            Status.ONLINE,
            Status.OFFLINE,
            StatusEvent.PROGRESS_STALLED,
            "stalled",
            "w1",
        )
    )

    news = await channels.list_page(tag="news")
    assert [r.channel.slug for r in news.items] == [f"channel-{i}" for i in (0, 2, 4, 6)]
    assert (await channels.list_page(tag="new")).total == 0
    page = await channels.list_page(limit=3, offset=3)
    assert (page.total, len(page.items), page.items[0].channel.slug) == (8, 3, "channel-3")
    off = await channels.list_page(statuses=[Status.OFFLINE, Status.ERROR])
    assert [r.channel.slug for r in off.items] == ["channel-3"]
    assert off.items[0].status_reason == "stalled"
    assert (await channels.list_page(q="CHANNEL 1")).total == 1
    assert (await channels.list_page(q="100%")).total == 1
    assert (await channels.list_page(q="s_m")).total == 1
    assert (await channels.list_page(q="_")).total == 1
    assert (await channels.list_page(q="channel-6")).total == 1


async def test_an_update_changes_only_what_it_names(channels: ChannelRepository) -> None:
    created = await channels.create(spec("News", tags=["a"], hls={"segment_seconds": 4}))
    updated = await channels.update(
        created.channel.id, parse_channel_patch({"name": "News 2", "hls": {"list_size": 9}})
    )
    assert updated.channel.name == "News 2"
    assert updated.channel.slug == "news"
    assert updated.channel.tags == ("a",)
    assert updated.channel.hls == HlsOverrides(4.0, 9)
    assert created.channel.updated_at is not None
    assert updated.channel.updated_at is not None
    assert updated.channel.updated_at >= created.channel.updated_at
    assert updated.channel.created_at == created.channel.created_at


async def test_switching_to_listen_and_back_assigns_then_frees_the_port(
    channels: ChannelRepository,
) -> None:
    created = await channels.create(spec("News"))
    listen = await channels.update(
        created.channel.id, parse_channel_patch({"ingest_mode": "listen_srt"})
    )
    assert listen.channel.listen_port == 10000
    renamed = await channels.update(created.channel.id, parse_channel_patch({"name": "Renamed"}))
    assert renamed.channel.listen_port == 10000
    assert renamed.channel.passphrase == listen.channel.passphrase
    pulled = await channels.update(
        created.channel.id,
        parse_channel_patch({"ingest_mode": "pull", "input_url": "rtsp://cam.example/s"}),
    )
    assert (pulled.channel.listen_port, pulled.channel.passphrase) == (None, None)
    assert pulled.channel.input_url == "rtsp://cam.example/s"


async def test_renaming_a_slug_onto_another_channel_is_a_conflict(
    channels: ChannelRepository,
) -> None:
    await channels.create(spec("One"))
    two = await channels.create(spec("Two"))
    with pytest.raises(Conflict) as caught:
        await channels.update(two.channel.id, parse_channel_patch({"slug": "one"}))
    assert caught.value.field == "slug"
    assert (await channels.get(two.channel.id)).channel.slug == "two"


async def test_missing_channels_are_not_found(channels: ChannelRepository) -> None:
    with pytest.raises(NotFound):
        await channels.get(999)
    with pytest.raises(NotFound):
        await channels.update(999, {"name": "x"})
    with pytest.raises(NotFound):
        await channels.delete(999)


async def test_deleting_a_channel_deletes_its_events(
    channels: ChannelRepository, database: Database
) -> None:
    created = await channels.create(spec("News"))
    events = EventRepository(database.sessions)
    await events.record(
        StatusChanged(
            created.channel.id,
            datetime.now(UTC),
            Status.STOPPED,
            Status.STARTING,
            StatusEvent.START_REQUESTED,
            "operator",
            "w1",
        )
    )
    deleted = await channels.delete(created.channel.id)
    assert deleted.slug == "news"
    assert (await events.list_page()).total == 0
    assert await channels.all() == []


async def test_an_import_with_bad_entries_writes_nothing_unless_partial(
    channels: ChannelRepository,
) -> None:
    await channels.create(spec("Existing", slug="taken"))
    text = """\
channels:
  - {name: A, input_url: "udp://239.0.0.1:1"}
  - {name: B, input_url: "file:///etc/passwd"}
  - {name: C, slug: taken, input_url: "udp://239.0.0.1:3"}
  - {name: D, input_url: "udp://239.0.0.1:4"}
"""
    with pytest.raises(InvalidInput) as caught:
        await import_channels(channels, text)
    assert [(e.line, e.field) for e in caught.value.errors] == [(3, "input_url"), (4, "slug")]
    assert await channels.count() == 1

    outcome = await import_channels(channels, text, partial=True)
    assert [r.channel.name for r in outcome.channels] == ["A", "D"]
    assert len(outcome.errors) == 2
    assert await channels.count() == 3


async def test_a_dry_run_import_returns_the_channels_and_writes_nothing(
    channels: ChannelRepository,
) -> None:
    seen: list[tuple[int, int]] = []
    outcome = await import_channels(
        channels,
        "#EXTM3U\n#EXTINF:-1,A\nudp://239.0.0.1:1\n#EXTINF:-1,A\nudp://239.0.0.1:2\n",
        dry_run=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert outcome.dry_run
    assert [r.channel.slug for r in outcome.channels] == ["a", "a-2"]
    assert seen == [(1, 2), (2, 2)]
    assert await channels.count() == 0


async def test_derived_slugs_do_not_take_a_slug_named_later_in_the_same_import(
    channels: ChannelRepository,
) -> None:
    text = """\
- {name: News, input_url: "udp://239.0.0.1:1"}
- {name: Other, slug: news, input_url: "udp://239.0.0.1:2"}
"""
    outcome = await import_channels(channels, text)
    assert [r.channel.slug for r in outcome.channels] == ["news-2", "news"]


async def test_by_ids_reads_the_channels_that_exist_among_those_named(
    channels: ChannelRepository,
) -> None:
    """A fleet worker reads only the channels it holds; a deleted one is simply absent."""
    first = await channels.create(spec("First"))
    second = await channels.create(spec("Second"))
    gone = await channels.create(spec("Gone"))
    await channels.delete(gone.channel.id)
    ids = [second.channel.id, first.channel.id, gone.channel.id]
    assert [c.name for c in await channels.by_ids(ids)] == ["First", "Second"]
    assert await channels.by_ids([]) == []
