"""The engine of one process: supervisor, thumbnailer and demo feeds behind ``EngineControl``.

``engine/builder.py`` makes it. ``start()`` loads the channels (all of them:
disabled ones are registered as ``stopped``), starts the demo feeds when the
settings allow the demo and a loaded channel pulls a demo feed, then starts
every enabled channel at once. ``stop()`` stops every child and the feeds.

Every channel's settings reach the supervisor and the thumbnailer from here,
as domain ``Channel`` values (at start, and in ``apply``/``start_channel``/
``restart_channel``/``forget``). It also removes the output folders of
channels that no longer exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import Any, Final

from streamfleet.background import keep_running, stop_task
from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.engine.archive_retention import ArchiveRetention
from streamfleet.engine.archive_upload import ArchiveUploader
from streamfleet.engine.control import ChannelState, EngineStats
from streamfleet.engine.demo import DemoFeeds, demo_channels
from streamfleet.engine.exporter import ExportRunner
from streamfleet.engine.recorder import ArchiveRecorder
from streamfleet.engine.source_probe import probe_report
from streamfleet.engine.supervisor import Supervisor
from streamfleet.engine.thumbnail_upload import ThumbnailUploader
from streamfleet.engine.thumbnailer import Thumbnailer
from streamfleet.media.probe_report import ProbeReport
from streamfleet.storage.stale_output import remove_orphan_output_dirs

REPORT_TIMEOUT_S: Final = 5.0
"""How long a probed source may stay silent before the probe says it cannot be reached."""

ChannelLoader = Callable[[], Awaitable[Iterable[Channel]]]


class HostedEngine:
    def __init__(
        self,
        settings: Settings,
        supervisor: Supervisor,
        thumbnailer: Thumbnailer,
        load_channels: ChannelLoader,
        recorder: ArchiveRecorder | None = None,
        retention: ArchiveRetention | None = None,
        *,
        uploader: ThumbnailUploader | None = None,
        exporter: ExportRunner | None = None,
        archive_upload: ArchiveUploader | None = None,
        owns_hls_dir: bool = True,
    ) -> None:
        self.settings = settings
        self.owns_hls_dir = owns_hls_dir
        """``serve`` owns every folder of ``hls_dir`` and removes those of deleted channels at
        start; a fleet worker shares the folder with the other workers and removes none."""
        self.recorder = recorder
        self.retention = retention
        self._recording: asyncio.Task[None] | None = None
        self._retaining: asyncio.Task[None] | None = None
        self.supervisor = supervisor
        self.thumbnailer = thumbnailer
        self.load_channels = load_channels
        self.demo_feeds: DemoFeeds | None = None
        self._thumbnailing: asyncio.Task[None] | None = None
        self.uploader = uploader
        """Publishes thumbnails to the bucket (``thumbnails_to_s3``), apart from the thumbnailer."""
        self._uploading: asyncio.Task[None] | None = None
        self.exporter = exporter
        """Remuxes queued MP4 exports of the archive (``engine/exporter.py``)."""
        self.archive_upload = archive_upload
        """Moves archived segments to the bucket (``archive_to_s3``)."""
        self._archive_uploading: asyncio.Task[None] | None = None

    async def start(self) -> None:
        channels = list(await self.load_channels())
        if self.owns_hls_dir:
            remove_orphan_output_dirs(self.settings.hls_dir, {c.slug for c in channels})
        for channel in channels:
            self.thumbnailer.configure(channel)
        # Before the supervisor, so that no status envelope is missed.
        self._thumbnailing = asyncio.create_task(self.thumbnailer.run(), name="thumbnailer")
        if self.uploader is not None:
            self._uploading = asyncio.create_task(
                keep_running("thumbnail-uploader", self.uploader.run), name="thumbnail-uploader"
            )
        if self.recorder is not None:
            await self.recorder.reconcile(channels)
            self._recording = asyncio.create_task(
                keep_running("archive-index", self.recorder.run), name="archive-index"
            )
        demo_urls = {spec.input_url for spec in demo_channels(self.settings)}
        if self.settings.demo and any(c.input_url in demo_urls for c in channels):
            self.demo_feeds = DemoFeeds(self.settings, self.supervisor.ctx.spawner)
            await self.demo_feeds.start()
        await self.supervisor.start(channels)
        if self.archive_upload is not None:
            self._archive_uploading = asyncio.create_task(
                keep_running("archive-upload", self.archive_upload.run), name="archive-upload"
            )
        if self.retention is not None:
            self._retaining = asyncio.create_task(
                keep_running("archive-retention", self.retention.run), name="archive-retention"
            )
        if self.exporter is not None:
            await self.exporter.start()

    async def stop(self) -> None:
        if self.exporter is not None:
            await self.exporter.stop()
        await stop_task(self._archive_uploading)
        await stop_task(self._retaining)
        await self.supervisor.shutdown()
        if self.recorder is not None:
            await self.recorder.close(self._recording)
        await stop_task(self._thumbnailing)
        await stop_task(self._uploading)
        if self.demo_feeds is not None:
            await self.demo_feeds.stop()

    # EngineControl: channels -----------------------------------------------------------------

    async def start_channel(self, channel: Channel) -> None:
        self.thumbnailer.configure(channel)
        await self.supervisor.start_channel(channel)

    async def stop_channel(self, channel_id: int) -> None:
        await self.supervisor.stop_channel(channel_id)

    async def restart_channel(self, channel: Channel) -> None:
        self.thumbnailer.configure(channel)
        await self.supervisor.restart_channel(channel)

    async def apply(self, channel: Channel) -> None:
        self.thumbnailer.configure(channel)
        await self.supervisor.apply(channel)

    async def forget(self, channel_id: int) -> None:
        channel = self.supervisor.channel(channel_id)
        await self.supervisor.forget(channel_id)
        if channel is not None:
            self.thumbnailer.forget(channel.slug)
        if self.recorder is not None:
            # Its last segments' rows are written now, before the caller deletes or files
            # away the channel's archive rows, not a second later after them.
            await self.recorder.flush()

    # EngineControl: what the engine observes -------------------------------------------------

    async def states(self, channel_ids: Collection[int]) -> dict[int, ChannelState]:
        return {cid: s for cid in channel_ids if (s := self.supervisor.state(cid)) is not None}

    async def media_info(self, slugs: Collection[str]) -> dict[str, dict[str, Any]]:
        return {
            slug: info.to_dict()
            for slug in slugs
            if (info := self.thumbnailer.media_info(slug)) is not None
        }

    async def log_tail(self, channel_id: int) -> list[str]:
        return self.supervisor.log_tail(channel_id)

    async def stats(self) -> EngineStats:
        return EngineStats(thumbnail_cpu_s=self.thumbnailer.cpu_seconds)

    # EngineControl: sources and the wall -----------------------------------------------------

    async def probe_source(self, url: str) -> ProbeReport:
        return await probe_report(
            self.supervisor.ctx.spawner,
            self.settings.resolved_ffmpeg_path(),
            url,
            REPORT_TIMEOUT_S,
            self.settings.stop_timeout_s,
        )

    async def set_visible_tiles(self, client_id: str, slugs: frozenset[str]) -> None:
        self.thumbnailer.set_visible(client_id, slugs)

    async def viewer_left(self, client_id: str) -> None:
        self.thumbnailer.set_visible(client_id, frozenset())

    # EngineControl: the archive ---------------------------------------------------------------

    async def exports_queued(self) -> None:
        if self.exporter is not None:
            self.exporter.wake()
