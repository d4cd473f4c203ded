"""Thumbnails published to the bucket (moto's server on loopback): the newest picture of each
channel lands under the prefix, from the uploader's own thread, apart from the thumbnailer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from streamfleet.background import stop_task
from streamfleet.domain.channel import Channel
from streamfleet.engine.builder import assemble_engine
from streamfleet.engine.thumbnail_upload import ThumbnailUploader
from streamfleet.events.bus import InProcessBus
from streamfleet.events.envelope import Envelope, EventType
from streamfleet.storage.object_store import ObjectMissing
from tests.support.s3 import S3Bucket
from tests.support.server import settings_for_test
from tests.support.waiting import wait_until

UPLOAD_TIMEOUT_S = 20.0
PREFIX = "site-a/thumbs"


@pytest.fixture
async def uploading(
    tmp_path: Path, s3_bucket: S3Bucket
) -> AsyncIterator[tuple[ThumbnailUploader, InProcessBus, Path]]:
    settings = settings_for_test(
        tmp_path, thumbnails_to_s3=True, s3_thumbnail_prefix=PREFIX, **s3_bucket.settings
    )
    bus = InProcessBus()
    uploader = ThumbnailUploader.from_settings(settings, bus)
    task = asyncio.create_task(uploader.run())
    await wait_until(lambda: bus.subscriber_count == 1, UPLOAD_TIMEOUT_S, "the subscription")
    try:
        yield uploader, bus, settings.thumbs_dir
    finally:
        await stop_task(task)
        await bus.close()


def stored(bucket: S3Bucket, key: str) -> bytes | None:
    try:
        return bucket.objects.get(key)
    except ObjectMissing:
        return None


def new_thumbnail(bus: InProcessBus, thumbs: Path, slug: str, data: bytes, times: int = 1) -> None:
    """What the thumbnailer does: write the JPEG, then say so on the bus (``times`` over)."""
    thumbs.mkdir(parents=True, exist_ok=True)
    (thumbs / f"{slug}.jpg").write_bytes(data)
    for n in range(times):
        bus.publish_nowait(Envelope(EventType.THUMBNAIL, slug, {"url": f"?v={n}"}))


async def test_each_new_thumbnail_replaces_the_channels_object_in_the_bucket(
    uploading: tuple[ThumbnailUploader, InProcessBus, Path], s3_bucket: S3Bucket
) -> None:
    uploader, bus, thumbs = uploading
    new_thumbnail(bus, thumbs, "news", b"\xff\xd8first")
    key = f"{PREFIX}/news.jpg"
    await wait_until(lambda: stored(s3_bucket, key) == b"\xff\xd8first", UPLOAD_TIMEOUT_S, key)

    new_thumbnail(bus, thumbs, "news", b"\xff\xd8second")
    await wait_until(lambda: stored(s3_bucket, key) == b"\xff\xd8second", UPLOAD_TIMEOUT_S, key)

    head = s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=key)
    assert head["ContentType"] == "image/jpeg"
    assert s3_bucket.keys() == [key]
    assert uploader.failed == 0


async def test_a_burst_for_one_channel_uploads_its_newest_picture(
    uploading: tuple[ThumbnailUploader, InProcessBus, Path], s3_bucket: S3Bucket
) -> None:
    uploader, bus, thumbs = uploading
    new_thumbnail(bus, thumbs, "sport", b"\xff\xd8newest", times=200)
    bus.publish_nowait(Envelope(EventType.THUMBNAIL, "../escape", {}))  # not a slug: ignored

    key = f"{PREFIX}/sport.jpg"
    await wait_until(lambda: stored(s3_bucket, key) == b"\xff\xd8newest", UPLOAD_TIMEOUT_S, key)
    # The uploader's thread counts an upload after the bucket has it: wait for the count.
    await wait_until(lambda: uploader.uploaded >= 1, UPLOAD_TIMEOUT_S, "the upload counted")
    assert uploader.uploaded < 200  # coalesced, not one upload per envelope
    assert s3_bucket.keys() == [key]


async def test_the_engine_publishes_thumbnails_only_when_the_setting_is_on(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    async def no_channels() -> list[Channel]:
        return []

    bus = InProcessBus()
    on = settings_for_test(tmp_path, thumbnails_to_s3=True, **s3_bucket.settings)
    off = settings_for_test(tmp_path, **s3_bucket.settings)
    assert isinstance(assemble_engine(on, bus, None, no_channels).uploader, ThumbnailUploader)
    assert assemble_engine(off, bus, None, no_channels).uploader is None
