"""The FastAPI application factory and its lifespan.

``create_app(settings)`` builds the app; its lifespan opens the database,
applies the migrations, creates the first admin on a first start
(``accounts/first_admin.py``), creates the event bus, and (when ``engine_factory``
is given, ``engine.builder.build_engine`` for ``serve``) builds and starts the
stream engine, stopping it on shutdown. Routes reach the engine only through
``EngineControl`` (``app.state.engine``). Every request passes
``AccessControl`` (``api/access_control.py``) first: who the caller is, and
whether ``api/access.py`` lets their role call the route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

import structlog
from fastapi import FastAPI

import streamfleet
from streamfleet.accounts.audit_retention import AuditRetention
from streamfleet.accounts.first_admin import ensure_first_admin
from streamfleet.accounts.service import AccountService
from streamfleet.alerts.service import AlertService
from streamfleet.api.access_control import AccessControl
from streamfleet.api.body_limit import IMPORT_LIMIT_BYTES, BodySizeLimit
from streamfleet.api.dashboard import mount_dashboard
from streamfleet.api.errors import install_error_handlers
from streamfleet.api.live_access import LiveAccess
from streamfleet.api.openapi_contract import operation_id
from streamfleet.api.openapi_document import install_openapi
from streamfleet.api.playback import Playback
from streamfleet.api.routes import (
    alerts,
    archive_locks,
    archive_playlists,
    audit,
    auth,
    backups,
    channels,
    commands,
    events,
    exports,
    health,
    hls,
    live,
    metrics,
    probe,
    profiles,
    recordings,
    rtmp,
    stream_keys,
    thumbs,
    tokens,
    users,
    workers,
)
from streamfleet.api.schemas.channels import ChannelPage
from streamfleet.api.security_headers import SecurityHeaders
from streamfleet.backup.schedule import BackupSchedule
from streamfleet.config import Settings
from streamfleet.db import migrate
from streamfleet.db.repositories.audit import AuditRepository
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.session import Database
from streamfleet.engine.builder import EngineContext, EngineFactory
from streamfleet.engine.control import ManagedEngine
from streamfleet.events.bus import EventBus, InProcessBus
from streamfleet.shared_reads import SharedReads
from streamfleet.storage.archive_bucket import ArchiveBucket

log = structlog.get_logger()


BusFactory = Callable[[], Awaitable[EventBus]]
"""Opens the event bus of a process: Redis for ``streamfleet api`` (``events/redis_bus.py``)."""


async def _in_process_bus() -> EventBus:
    return InProcessBus()


class SingleJobs(Protocol):
    """The fleet's single jobs as an API node runs them (``fleet/api_jobs.py``)."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


SingleJobsFactory = Callable[
    [Database, AlertService, AuditRepository, Callable[[BackupSchedule | None], None]],
    SingleJobs,
]
"""``streamfleet api``: alerts, outbox, retention, backups and exports, each run by the one
node holding its leader lease, instead of in this process unconditionally."""


def create_app(
    settings: Settings,
    *,
    engine_factory: EngineFactory | None = None,
    bus_factory: BusFactory = _in_process_bus,
    scheduled_backups: bool = True,
    single_jobs: SingleJobsFactory | None = None,
) -> FastAPI:
    """``engine_factory``: the engine this process runs (``serve``'s, or an API node's remote
    control); ``scheduled_backups``: whether this process writes them (``serve`` only);
    ``single_jobs``: a fleet's API node, where each single job runs under a leader lease."""

    def show_schedule(schedule: BackupSchedule | None) -> None:
        app.state.backups = schedule

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.resolved_database_url)
        bus = await bus_factory()
        engine: ManagedEngine | None = None
        schedule: BackupSchedule | None = None
        retention: AuditRetention | None = None
        jobs: SingleJobs | None = None
        try:
            await migrate.upgrade(database)
            channel_repo = ChannelRepository(
                database.sessions,
                srt_port_range=(settings.srt_port_min, settings.srt_port_max),
            )
            event_repo = EventRepository(database.sessions)
            accounts = AccountService(database, settings)
            await ensure_first_admin(accounts, settings.data_dir)
            app.state.settings = settings
            app.state.database = database
            app.state.channels = channel_repo
            app.state.events = event_repo
            app.state.bus = bus
            app.state.accounts = accounts
            accounts.on_revocation(app.state.live_access.revoked)
            app.state.engine = None
            app.state.audit = AuditRepository(database.sessions)
            app.state.alerts = AlertService(settings, database, bus)  # before the engine publishes
            if single_jobs is None:
                retention = AuditRetention(app.state.audit, settings.audit_retention_days)
                retention.start()
                app.state.audit_retention = retention
                await app.state.alerts.start()
            else:
                await app.state.alerts.start(jobs=False)
                jobs = single_jobs(database, app.state.alerts, app.state.audit, show_schedule)
                jobs.start()
            if engine_factory is not None:
                engine = engine_factory(
                    EngineContext(
                        settings, bus, channel_repo, event_repo, database, app.state.alerts
                    )
                )
                await engine.start()
                app.state.engine = engine
            if engine is not None and scheduled_backups:
                # Scheduled backups run where the engine runs (serve), not in API-only apps.
                schedule = BackupSchedule(settings, alerts=app.state.alerts, audit=app.state.audit)
                schedule.start()
                app.state.backups = schedule
            log.info("api.ready", engine=engine is not None, dialect=database.dialect)
            yield
        finally:
            if jobs is not None:
                await jobs.stop()
            if retention is not None:
                await retention.stop()
            if schedule is not None:
                app.state.backups = None
                await schedule.stop()
            if engine is not None:
                app.state.engine = None
                await engine.stop()
            if getattr(app.state, "alerts", None) is not None:
                await app.state.alerts.stop()
            app.state.accounts = None
            await bus.close()
            await database.dispose()
            log.info("api.stopped")

    app = FastAPI(
        title="streamfleet",
        version=streamfleet.__version__,
        summary="Keeps live video channels alive: ingest, HLS, health, alerts.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    install_openapi(app)
    app.state.settings = settings
    app.state.engine = None
    app.state.backups = None
    app.state.channel_pages = SharedReads[ChannelPage]()
    app.state.playback = Playback.of(settings)
    app.state.archive_bucket = ArchiveBucket.from_settings(settings)
    app.state.live_access = LiveAccess()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, per_path={"/api/v1/channels/import": IMPORT_LIMIT_BYTES})
    app.add_middleware(AccessControl)  # outermost: nothing runs for a refused caller
    app.add_middleware(SecurityHeaders)  # outside access control: its 401/403 get them too
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(tokens.router)
    app.include_router(channels.router)
    app.include_router(commands.router)
    app.include_router(stream_keys.router)
    app.include_router(rtmp.router)
    app.include_router(events.router)
    app.include_router(recordings.router)
    app.include_router(archive_locks.router)
    app.include_router(exports.router)
    app.include_router(profiles.router)
    app.include_router(probe.router)
    app.include_router(live.router)
    app.include_router(archive_playlists.router)  # before hls.router: its /hls/{path} takes all
    app.include_router(hls.router)
    app.include_router(thumbs.router)
    app.include_router(alerts.router)
    app.include_router(backups.router)
    app.include_router(audit.router)
    app.include_router(metrics.router)
    app.include_router(workers.router)
    mount_dashboard(app)
    return app
