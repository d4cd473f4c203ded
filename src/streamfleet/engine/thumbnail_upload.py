"""Thumbnails published to the bucket: ``s3://<bucket>/<s3_thumbnail_prefix>/<slug>.jpg``.

Off the hot path by construction: the ``Thumbnailer`` is not touched. This
follows the ``thumbnail`` envelopes it already publishes on the bus, notes the
channel (a set, so a burst for one channel while an upload runs becomes one
upload of its newest picture) and uploads the current ``thumbs_dir/<slug>.jpg``
from a single thread of its own, never the thumbnail workers' pool or the event
loop. botocore retries each upload with backoff; one that still fails is
logged and left to the channel's next thumbnail.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Final

import structlog

from streamfleet.config import Settings
from streamfleet.domain.slug import is_valid_slug
from streamfleet.events.bus import EventBus
from streamfleet.events.envelope import EventType
from streamfleet.storage.hls_paths import thumbnail_path
from streamfleet.storage.object_store import ObjectStore, ObjectStoreError, join_key

JPEG_TYPE: Final = "image/jpeg"

log = structlog.get_logger()


class ThumbnailUploader:
    def __init__(self, settings: Settings, bus: EventBus, objects: ObjectStore) -> None:
        self._settings = settings
        self._bus = bus
        self._objects = objects
        self._prefix = settings.s3_thumbnail_prefix
        self._pending: set[str] = set()
        self._wake = asyncio.Event()
        self.uploaded = 0
        self.failed = 0

    @classmethod
    def from_settings(cls, settings: Settings, bus: EventBus) -> ThumbnailUploader:
        return cls(settings, bus, ObjectStore.connect(settings.s3_bucket, settings.s3_connection))

    def key(self, slug: str) -> str:
        return join_key(self._prefix, f"{slug}.jpg")

    async def run(self) -> None:
        """Follow the bus and upload until cancelled or the bus closes."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thumbnail-upload")
        try:
            async with asyncio.TaskGroup() as tasks:
                uploads = tasks.create_task(self._upload_pending(executor), name="thumbnail-upload")
                await self._follow()
                uploads.cancel()  # the bus closed
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    async def _follow(self) -> None:
        while True:
            subscription = self._bus.subscribe(accept=lambda e: e.type is EventType.THUMBNAIL)
            try:
                async for envelope in subscription:
                    if envelope.channel is not None and is_valid_slug(envelope.channel):
                        self._pending.add(envelope.channel)
                        self._wake.set()
            finally:
                subscription.close()
            if not subscription.overflowed:
                return
            log.warning("thumbnail.upload_lagged")  # some were missed: the next ones come

    async def _upload_pending(self, executor: ThreadPoolExecutor) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            slugs, self._pending = self._pending, set()
            for slug in sorted(slugs):
                await loop.run_in_executor(executor, self._upload, slug)

    def _upload(self, slug: str) -> None:
        path = thumbnail_path(self._settings.thumbs_dir, slug)
        try:
            data = path.read_bytes()
        except OSError:
            return  # the channel was forgotten meanwhile
        try:
            self._objects.put(self.key(slug), data, content_type=JPEG_TYPE)
        except ObjectStoreError as exc:
            self.failed += 1
            log.warning("thumbnail.upload_failed", channel=slug, error=str(exc))
            return
        self.uploaded += 1
