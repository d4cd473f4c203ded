"""The Thumbnailer on a real bus, reading what real FFmpeg writes."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.engine.media_watch import ChannelMediaWatch
from streamfleet.engine.thumbnailer import Thumbnailer
from streamfleet.events.bus import InProcessBus, Subscription
from streamfleet.events.envelope import Envelope, EventType
from streamfleet.media.codec_pool import CodecPool
from streamfleet.media.thumbnail import write_atomic
from tests.support.hls_source import (
    black_then_pattern,
    live_hls,
    render_hls,
    silence_then_tone,
)
from tests.support.image_hash import difference_hash, hamming, jpeg_size
from tests.support.waiting import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


def channel(slug: str, *, interval_s: int = 1, checks: tuple[str, ...] = ()) -> Channel:
    return Channel(
        id=abs(hash(slug)) % 10_000,
        slug=slug,
        name=slug,
        input_url="udp://239.0.0.1:1234",
        thumbnail_interval_s=interval_s,
        content_checks=checks,
    )


class Rig:
    """A Thumbnailer running on its own bus, and a listener on that bus."""

    def __init__(self, settings: Settings, channels: dict[str, Channel]) -> None:
        self.settings = settings
        self.bus = InProcessBus()
        self.thumbnailer = Thumbnailer(settings, self.bus)
        for configured in channels.values():
            self.thumbnailer.configure(configured)
        self.heard: Subscription = self.bus.subscribe()
        self.unread: list[Envelope] = []

    def online(self, slug: str) -> None:
        self.bus.publish_nowait(Envelope(EventType.STATUS, slug, {"status": "online"}))

    async def next(self, kind: EventType, slug: str, timeout_s: float = 15.0) -> Envelope:
        """The oldest not yet taken envelope of ``kind`` about ``slug`` (waits for it)."""

        async def wait() -> Envelope:
            while True:
                for envelope in self.unread:
                    if envelope.type is kind and envelope.channel == slug:
                        self.unread.remove(envelope)
                        return envelope
                envelope = await self.heard.get()
                assert envelope is not None, "bus closed"
                self.unread.append(envelope)

        return await asyncio.wait_for(wait(), timeout_s)

    def thumb(self, slug: str) -> Path:
        return self.settings.thumbs_dir / f"{slug}.jpg"


StartRig = Callable[..., Awaitable[Rig]]


@pytest.fixture
async def start_rig(tmp_path: Path) -> AsyncIterator[StartRig]:
    """Starts a Thumbnailer for the given channels; cancels it (cleanly) after the test."""
    tasks: list[asyncio.Task[None]] = []

    async def start(channels: dict[str, Channel], **settings: Any) -> Rig:
        rig = Rig(Settings(data_dir=tmp_path / "data", **settings), channels)
        tasks.append(asyncio.create_task(rig.thumbnailer.run()))
        await eventually(lambda: rig.bus.subscriber_count == 2, 5, "thumbnailer subscribed")
        return rig

    yield start
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results), results


async def test_thumbnails_appear_and_change_for_a_live_channel(start_rig: StartRig) -> None:
    """Two thumbnails of a moving pattern, a second apart, have different image hashes."""
    rig = await start_rig({"news": channel("news")})
    rig.thumbnailer.set_visible("wall", {"news"})
    async with live_hls(rig.settings.hls_dir / "news", segment_s=0.5):
        rig.online("news")
        first = await rig.next(EventType.THUMBNAIL, "news")
        assert first.data["url"].startswith("/thumbs/news.jpg?v=")
        first_jpeg = rig.thumb("news").read_bytes()
        await rig.next(EventType.THUMBNAIL, "news")
        second_jpeg = rig.thumb("news").read_bytes()
    assert jpeg_size(first_jpeg) == jpeg_size(second_jpeg) == (320, 180)
    assert hamming(difference_hash(first_jpeg), difference_hash(second_jpeg)) > 0
    assert rig.thumbnailer.thumbnails_written >= 2
    assert rig.thumbnailer.cpu_seconds > 0


async def test_the_first_reading_publishes_media_info_and_the_api_can_read_it(
    start_rig: StartRig, tmp_path: Path
) -> None:
    """A media_info envelope with ``changed: []`` and the same info from ``media_info()``."""
    rig = await start_rig({"news": channel("news")})
    await render_hls(rig.settings.hls_dir / "news", seconds=2, segment_s=1.0)
    rig.online("news")
    envelope = await rig.next(EventType.MEDIA_INFO, "news")
    assert envelope.data["changed"] == []
    assert envelope.data["video"]["width"] == 320
    info = rig.thumbnailer.media_info("news")
    assert info is not None
    assert info.video is not None
    assert info.video.height == 180
    assert info.bitrate_kbps is not None
    assert info.bitrate_kbps > 0


async def test_a_corrupt_or_empty_segment_does_not_stop_thumbnails_of_other_channels(
    start_rig: StartRig,
) -> None:
    """Bad channels are skipped with a logged reason; the good one keeps getting thumbnails."""
    channels = {slug: channel(slug) for slug in ("good", "junk", "empty")}
    rig = await start_rig(channels)
    rig.thumbnailer.set_visible("wall", channels)
    for slug, content in (("junk", b"\x47garbage" * 5000), ("empty", b"")):
        folder = rig.settings.hls_dir / slug
        folder.mkdir(parents=True)
        (folder / "index0.ts").write_bytes(content)
        (folder / "index.m3u8").write_text("#EXTM3U\n#EXTINF:2.0,\nindex0.ts\n")
    with structlog.testing.capture_logs() as logs:
        async with live_hls(rig.settings.hls_dir / "good", segment_s=0.5):
            for slug in channels:
                rig.online(slug)
            await rig.next(EventType.THUMBNAIL, "good")
            await eventually(lambda: rig.thumbnailer.segments_skipped >= 2, 10, "bad ones skipped")
            await rig.next(EventType.THUMBNAIL, "good")
    reasons = {e["channel"]: e["reason"] for e in logs if e["event"] == "thumbnail.skipped"}
    assert reasons == {
        "junk": "segment: no MPEG-TS sync byte found",
        "empty": "segment: index0.ts is empty",
    }
    assert not rig.thumb("junk").exists()
    assert not rig.thumb("empty").exists()
    assert rig.thumbnailer.watched == {"good", "junk", "empty"}


async def test_many_channels_share_as_many_codec_sets_as_there_are_worker_threads(
    start_rig: StartRig, tmp_path: Path
) -> None:
    """Decoder memory follows the thumbnail workers, not the number of channels."""
    slugs = [f"ch{i}" for i in range(6)]
    rig = await start_rig({slug: channel(slug) for slug in slugs}, thumbnail_workers=2)
    rig.thumbnailer.set_visible("wall", slugs)
    source = await render_hls(tmp_path / "source", seconds=1, segment_s=1.0)
    for slug in slugs:
        folder = rig.settings.hls_dir / slug
        folder.mkdir(parents=True)
        shutil.copy(source / "index0.ts", folder / "index0.ts")
        write_atomic(folder / "index.m3u8", b"#EXTM3U\n#EXTINF:1.0,\nindex0.ts\n")
        rig.online(slug)
    for slug in slugs:
        await rig.next(EventType.THUMBNAIL, slug)
        assert jpeg_size(rig.thumb(slug).read_bytes()) == (320, 180)
    assert 1 <= rig.thumbnailer.codec_sets <= 2


async def test_a_resolution_change_publishes_media_info_naming_the_change(
    start_rig: StartRig, tmp_path: Path
) -> None:
    """The keyframe's new SPS triggers a fresh reading at once (on screen: read every second)."""
    rig = await start_rig({"news": channel("news")})
    rig.thumbnailer.set_visible("wall", {"news"})
    small = await render_hls(tmp_path / "small", seconds=1, segment_s=1.0)
    large = await render_hls(
        tmp_path / "large", video="testsrc2=size=640x360:rate=25", seconds=1, segment_s=1.0
    )
    folder = rig.settings.hls_dir / "news"
    folder.mkdir(parents=True)
    shutil.copy(small / "index0.ts", folder / "a.ts")
    shutil.copy(large / "index0.ts", folder / "b.ts")
    write_atomic(folder / "index.m3u8", b"#EXTM3U\n#EXTINF:1.0,\na.ts\n")
    rig.online("news")
    first = await rig.next(EventType.MEDIA_INFO, "news")
    assert (first.data["video"]["width"], first.data["changed"]) == (320, [])
    write_atomic(folder / "index.m3u8", b"#EXTM3U\n#EXTINF:1.0,\na.ts\n#EXTINF:1.0,\nb.ts\n")
    second = await rig.next(EventType.MEDIA_INFO, "news")
    assert (second.data["video"]["width"], second.data["changed"]) == (640, ["resolution"])


async def test_a_master_playlist_thumbnails_the_cheapest_variant_and_describes_the_best(
    start_rig: StartRig,
) -> None:
    """abr-3 channels: variant playlists beside the master, in the same folder."""
    rig = await start_rig({"news": channel("news")})
    folder = rig.settings.hls_dir / "news"
    for name, size in (("480p", "854x480"), ("1080p", "1280x720")):
        await render_hls(
            folder,
            video=f"testsrc2=size={size}:rate=25",
            seconds=1,
            segment_name=f"{name}_%d.ts",
            playlist_name=f"{name}.m3u8",
        )
    write_atomic(
        folder / "index.m3u8",
        b"#EXTM3U\n"
        b"#EXT-X-STREAM-INF:BANDWIDTH=5500000,RESOLUTION=1280x720\n1080p.m3u8\n"
        b"#EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=854x480\n480p.m3u8\n",
    )
    rig.thumbnailer.set_visible("wall", {"news"})
    rig.online("news")
    info = await rig.next(EventType.MEDIA_INFO, "news")
    assert (info.data["video"]["width"], info.data["video"]["height"]) == (1280, 720)
    await rig.next(EventType.THUMBNAIL, "news")
    assert jpeg_size(rig.thumb("news").read_bytes()) == (320, 180)


async def test_a_channel_nobody_shows_gets_its_media_info_but_no_jpeg(start_rig: StartRig) -> None:
    """Off screen: the segment is still read for media info, and no thumbnail is written."""
    rig = await start_rig({"news": channel("news")})
    await render_hls(rig.settings.hls_dir / "news", seconds=1, segment_s=1.0)
    rig.online("news")
    await rig.next(EventType.MEDIA_INFO, "news")
    assert not rig.thumb("news").exists()
    assert rig.thumbnailer.thumbnails_written == 0


async def test_a_tile_coming_into_view_gets_a_picture_at_once_not_an_interval_later(
    start_rig: StartRig,
) -> None:
    """Interval 10 s: the first picture comes within seconds of the tile being shown."""
    rig = await start_rig({"news": channel("news", interval_s=10)})
    async with live_hls(rig.settings.hls_dir / "news", segment_s=0.5):
        rig.online("news")
        await rig.next(EventType.MEDIA_INFO, "news")  # read once, off screen: no picture
        assert rig.thumbnailer.thumbnails_written == 0
        rig.thumbnailer.set_visible("wall", {"news"})
        envelope = await rig.next(EventType.THUMBNAIL, "news", timeout_s=5.0)
    assert envelope.data["url"] == f"/thumbs/news.jpg?v={envelope.data['taken_at']}"


async def test_a_tile_that_leaves_every_screen_gets_no_more_pictures(start_rig: StartRig) -> None:
    """Two channels at 1 s: once ``news`` is hidden, ``sport`` gets three more pictures while
    ``news`` gets none; a second client showing ``news`` brings its pictures back."""
    rig = await start_rig({slug: channel(slug) for slug in ("news", "sport")})
    async with (
        live_hls(rig.settings.hls_dir / "news", segment_s=0.5),
        live_hls(rig.settings.hls_dir / "sport", segment_s=0.5),
    ):
        rig.thumbnailer.set_visible("first", {"news", "sport"})
        rig.online("news")
        rig.online("sport")
        await rig.next(EventType.THUMBNAIL, "news")
        rig.thumbnailer.set_visible("first", {"sport"})
        await rig.next(EventType.THUMBNAIL, "sport")  # anything of news's in flight is out
        rig.unread = [e for e in rig.unread if e.type is not EventType.THUMBNAIL]
        for _ in range(3):
            await rig.next(EventType.THUMBNAIL, "sport")
        assert not [e for e in rig.unread if e.type is EventType.THUMBNAIL and e.channel == "news"]
        rig.thumbnailer.set_visible("second", {"news"})
        await rig.next(EventType.THUMBNAIL, "news", timeout_s=5.0)
    assert rig.thumbnailer.visible == {"news", "sport"}


async def test_a_stopped_channel_is_no_longer_watched_and_a_deleted_one_loses_its_thumbnail(
    start_rig: StartRig,
) -> None:
    """Status offline stops the watch; forgetting the channel removes the JPEG."""
    rig = await start_rig({"news": channel("news")})
    await render_hls(rig.settings.hls_dir / "news", seconds=1, segment_s=1.0)
    rig.thumbnailer.set_visible("wall", {"news"})
    rig.online("news")
    await rig.next(EventType.THUMBNAIL, "news")
    rig.bus.publish_nowait(Envelope(EventType.STATUS, "news", {"status": "offline"}))
    await eventually(lambda: not rig.thumbnailer.watched, 5, "watch ended")
    assert rig.thumb("news").exists()
    rig.thumbnailer.forget("news")
    assert not rig.thumb("news").exists()
    assert rig.thumbnailer.media_info("news") is None


async def test_black_frozen_and_silent_content_raises_start_then_end(start_rig: StartRig) -> None:
    """7 s of black silence then a moving pattern with a tone: each check starts and ends."""
    checks = ("black", "freeze", "silence")
    rig = await start_rig({"news": channel("news", checks=checks)}, hls_segment_seconds=0.5)
    seen: list[tuple[str, str]] = []
    async with live_hls(
        rig.settings.hls_dir / "news",
        video=black_then_pattern(7),
        audio=silence_then_tone(7),
        segment_s=0.5,
    ):
        rig.online("news")
        while len(seen) < 6:
            envelope = await rig.next(EventType.CONTENT, "news", timeout_s=20.0)
            seen.append((envelope.data["check"], envelope.data["state"]))
    for check in checks:
        assert seen.index((check, "start")) < seen.index((check, "end")), seen


async def test_off_screen_a_resolution_change_is_found_without_decoding_a_picture(
    tmp_path: Path,
) -> None:
    """No tile on screen and no content check: the keyframe's parameter sets, read from the
    segment without a decoder, are what tells the new resolution (the media info is re-read)."""
    small = await render_hls(tmp_path / "small", seconds=1, segment_s=1.0)
    large = await render_hls(
        tmp_path / "large", video="testsrc2=size=640x360:rate=25", seconds=1, segment_s=1.0
    )
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(small / "index0.ts", folder / "a.ts")
    shutil.copy(large / "index0.ts", folder / "b.ts")
    codecs = CodecPool(keep=1)
    watch = ChannelMediaWatch("news", folder, tmp_path / "news.jpg", codecs=codecs)
    now = datetime.now(UTC)

    write_atomic(folder / "index.m3u8", b"#EXTM3U\n#EXTINF:1.0,\na.ts\n")
    first = watch.examine(thumbnail=False, checks=frozenset(), now=now)
    write_atomic(folder / "index.m3u8", b"#EXTM3U\n#EXTINF:1.0,\na.ts\n#EXTINF:1.0,\nb.ts\n")
    second = watch.examine(thumbnail=False, checks=frozenset(), now=now)

    assert first.media_info is not None
    assert first.media_info.video is not None
    assert (first.media_info.video.width, first.media_changes) == (320, [])
    assert second.media_info is not None
    assert second.media_info.video is not None
    assert (second.media_info.video.width, second.media_changes) == (640, ["resolution"])
    assert codecs.created == 0, "a decoder was set up although no picture was wanted"
    assert not (tmp_path / "news.jpg").exists()
