"""The one place the stream engine of a process is built: ``serve`` today, ``worker`` next.

    engine = build_engine(EngineContext(settings, bus, channels, events, database))
    await engine.start()
    ...
    await engine.stop()

``build_engine`` joins the engine to the database: it loads the channels
through the repository, seeds the demo channels into an empty database when
the demo is on, and hands the ``EventRepository`` to the supervisor as its
``StatusSink``. ``assemble_engine`` makes the parts (supervisor, thumbnailer)
around any channel loader and sink. The app and the CLI get an engine from
here and talk to it only through ``EngineControl`` (``engine/control.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from streamfleet.config import Settings
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.archive_locks import ArchiveLockRepository
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.repositories.exports import ExportRepository
from streamfleet.db.session import Database
from streamfleet.domain.channel import Channel
from streamfleet.domain.channel_rules import ChannelSpec
from streamfleet.engine.archive_retention import (
    ArchiveRetention,
    KeptSpanSource,
    RetentionIndex,
    SpaceAlerts,
)
from streamfleet.engine.archive_upload import ArchiveUploader, UploadIndex
from streamfleet.engine.context import utc_now
from streamfleet.engine.control import ManagedEngine
from streamfleet.engine.demo import DemoChannelSpec, demo_channels
from streamfleet.engine.exporter import IDLE_POLL_S, ExportRunner
from streamfleet.engine.hosted import ChannelLoader, HostedEngine
from streamfleet.engine.output_fence import OutputFence
from streamfleet.engine.recorder import ArchiveIndex, ArchiveRecorder
from streamfleet.engine.status_sink import StatusSink
from streamfleet.engine.supervisor import Supervisor
from streamfleet.engine.thumbnail_upload import ThumbnailUploader
from streamfleet.engine.thumbnailer import Thumbnailer
from streamfleet.events.bus import EventBus
from streamfleet.storage.archive_bucket import ArchiveBucket

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class EngineContext:
    """Everything an engine gets from the process that hosts it."""

    settings: Settings
    bus: EventBus
    channels: ChannelRepository
    """Load the channels to run (``await channels.all()``)."""
    events: EventRepository
    """The ``StatusSink``: ``await events.record(change)`` for every status change."""
    database: Database
    alerts: SpaceAlerts | None = None
    """Told when recording pauses for lack of disk space, and when it resumes."""


EngineFactory = Callable[[EngineContext], ManagedEngine]


def build_engine(ctx: EngineContext) -> HostedEngine:
    """The ``EngineFactory`` that ``serve`` passes to ``create_app``."""

    async def load_channels() -> list[Channel]:
        if ctx.settings.demo and await ctx.channels.count() == 0:
            await seed_demo_channels(ctx.channels, demo_channels(ctx.settings))
        return await ctx.channels.all()

    archive = ArchiveRepository(ctx.database.sessions)
    return assemble_engine(
        ctx.settings,
        ctx.bus,
        ctx.events,
        load_channels,
        archive,
        alerts=ctx.alerts,
        kept=ArchiveLockRepository(ctx.database.sessions),
        exports=ExportRepository(ctx.database.sessions),
    )


def assemble_engine(
    settings: Settings,
    bus: EventBus,
    sink: StatusSink | None,
    load_channels: ChannelLoader,
    archive: ArchiveStore | None = None,
    *,
    alerts: SpaceAlerts | None = None,
    kept: KeptSpanSource | None = None,
    exports: ExportRepository | None = None,
    owns_hls_dir: bool = True,
    fence: OutputFence | None = None,
) -> HostedEngine:
    """The engine's parts wired together: one supervisor and one thumbnailer on ``bus``, the
    recorder of recording channels when there is an ``archive`` index (its retention keeps
    the ``kept`` spans), and the MP4 export runner with ``exports``. A fleet worker passes
    its lease epochs as ``fence`` (``engine/output_fence.py``)."""
    recorder = (
        ArchiveRecorder(settings.archive_dir, archive, wall=time.time)
        if archive is not None
        else None
    )
    supervisor = Supervisor(settings, bus, sink, archive=recorder, fence=fence)
    bucket = ArchiveBucket.from_settings(settings)
    retention = archive_upload = None
    if archive is not None and recorder is not None:
        retention = ArchiveRetention(
            settings,
            archive,
            recorder,
            supervisor.channels,
            now=utc_now,
            alerts=alerts,
            kept=kept,
            bucket=bucket,
            # Only an engine of every channel (serve, not a fleet's worker) can tell a deleted
            # channel's kept archive from another worker's channel.
            sweep_deleted=owns_hls_dir,
        )
        if bucket is not None:
            archive_upload = ArchiveUploader(
                settings, archive, bucket, recorder.root, supervisor.channels, now=utc_now
            )
    thumbnailer = Thumbnailer(settings, bus)
    uploader = ThumbnailUploader.from_settings(settings, bus) if settings.thumbnails_to_s3 else None
    exporter = (
        ExportRunner(
            settings,
            exports,
            archive,
            supervisor.ctx.spawner,
            now=utc_now,
            bucket=bucket,
            # Every job of this engine's database is queued through this process's API, which
            # wakes the runner (``HostedEngine.exports_queued``); a fleet's runner is not
            # built here and polls.
            poll_interval_s=IDLE_POLL_S,
        )
        if exports is not None and isinstance(archive, ArchiveRepository)
        else None
    )
    return HostedEngine(
        settings,
        supervisor,
        thumbnailer,
        load_channels,
        recorder,
        retention,
        uploader=uploader,
        exporter=exporter,
        archive_upload=archive_upload,
        owns_hls_dir=owns_hls_dir,
    )


class ArchiveStore(ArchiveIndex, RetentionIndex, UploadIndex, Protocol):
    """The archive index the recorder writes and retention prunes (``ArchiveRepository``)."""


async def seed_demo_channels(channels: ChannelRepository, specs: list[DemoChannelSpec]) -> None:
    """Create the demo channels (the database is empty: a newcomer's first start)."""
    for spec in specs:
        await channels.create(
            ChannelSpec(
                name=spec.name, input_url=spec.input_url, tags=spec.tags, profile=spec.profile
            )
        )
    log.info("demo.channels_created", count=len(specs))
