"""The scale-out roles: ``streamfleet api`` and ``streamfleet worker`` (see "Roles" in
docs/architecture.md).

    streamfleet api [--host H] [--port P]      the API, dashboard and WebSocket; no engine
    streamfleet worker [--host H] [--port P]   runs the channels it holds; /healthz,
                                                /readyz and /metrics on H:P
    streamfleet worker drain ID | --self       moves a worker's channels away (cli_drain.py)

Both need a server database (``STREAMFLEET_DATABASE_URL``: PostgreSQL or MySQL/MariaDB)
and Redis (``STREAMFLEET_REDIS_URL``) and say so in one line otherwise. The worker's
name (``STREAMFLEET_WORKER_NAME``) is its id in the fleet; its capacity is
``STREAMFLEET_ENGINE_CAPACITY``, its labels ``STREAMFLEET_WORKER_LABELS`` (JSON). API
nodes migrate the database at start, as ``serve`` does; workers expect it migrated. The
fleet's single jobs (alerts, outbox, retention, backups, exports) run in the API nodes, each
in the one holding its leader lease (``fleet/api_jobs.py``).
"""

from __future__ import annotations

import asyncio
import re
import socket
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy.engine import make_url

from streamfleet.cli_drain import drain_command
from streamfleet.cli_support import fail, settings
from streamfleet.cluster.db_clock import SERVER_DIALECTS, SQLITE_REFUSED
from streamfleet.config import Settings
from streamfleet.logs import configure_logging

if TYPE_CHECKING:
    from fastapi import FastAPI

    from streamfleet.fleet.worker import FleetWorker

REDIS_NEEDED = (
    "the fleet needs Redis for its events: set STREAMFLEET_REDIS_URL (redis://host:port/db)"
)

Host = Annotated[
    str | None, typer.Option(help="Address to listen on (default: STREAMFLEET_HOST, 127.0.0.1)")
]
Port = Annotated[
    int | None, typer.Option(help="Port to listen on (default: STREAMFLEET_PORT, 8080)")
]


def api_command(host: Host = None, port: Port = None) -> None:
    """Run an API node of a fleet: the API, the dashboard and the WebSocket, no engine.

    Channel states come from the database; actions reach the workers through it (desired
    state and command rows) and a wake-up over Redis. Any number of API nodes may run
    behind a load balancer."""
    fleet_settings = _fleet_settings(host, port)
    raise typer.Exit(_serve_role(fleet_settings, _api_app, dashboard=True))


worker_app = typer.Typer(
    help="Run a stream worker of a fleet (no command), or drain one.",
    invoke_without_command=True,
)
worker_app.command("drain")(drain_command)


@worker_app.callback()
def worker_command(ctx: typer.Context, host: Host = None, port: Port = None) -> None:
    """Run a stream worker of a fleet: registers, runs the channels placed on it, and serves
    /healthz, /readyz and /metrics. SIGTERM stops its channels and gives them back.
    ``streamfleet worker drain`` moves a worker's channels away first."""
    if ctx.invoked_subcommand is not None:
        return
    fleet_settings = _fleet_settings(host, port)
    run_subdir = re.sub(r"[^A-Za-z0-9_.-]", "_", fleet_settings.worker_name)
    worker_settings = fleet_settings.model_copy(update={"demo": False, "run_subdir": run_subdir})
    raise typer.Exit(_serve_role(worker_settings, _worker_app, dashboard=False))


def _fleet_settings(host: str | None, port: int | None) -> Settings:
    overrides: dict[str, Any] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    loaded = settings(**overrides)
    if make_url(loaded.resolved_database_url).get_backend_name() not in SERVER_DIALECTS:
        fail(SQLITE_REFUSED, code=2)
    if not loaded.redis_url:
        fail(REDIS_NEEDED, code=2)
    configure_logging(loaded.log_level, loaded.log_format)
    return loaded


def _serve_role(role_settings: Settings, make_app: Any, *, dashboard: bool) -> int:
    from streamfleet.cli import _serve, event_loop_factory

    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            return runner.run(
                _serve(role_settings, make_app, dashboard=dashboard, migrate_first=dashboard)
            )
    except KeyboardInterrupt:
        return 130


def _api_app(api_settings: Settings) -> FastAPI:
    from streamfleet.alerts.service import AlertService
    from streamfleet.api.app import create_app
    from streamfleet.cluster.channel_leases import LeaseBook
    from streamfleet.cluster.workers import WorkerRegistry
    from streamfleet.db.repositories.audit import AuditRepository
    from streamfleet.db.repositories.channel_media import ChannelMediaRepository
    from streamfleet.db.repositories.commands import CommandRepository
    from streamfleet.db.session import Database
    from streamfleet.engine.builder import EngineContext
    from streamfleet.engine.context import utc_now
    from streamfleet.events.redis_bus import RedisBus
    from streamfleet.fleet.api_control import ApiNodeControl
    from streamfleet.fleet.api_jobs import ApiNodeJobs, ShowSchedule
    from streamfleet.fleet.command_desk import CommandDesk
    from streamfleet.fleet.command_replies import CommandReplies
    from streamfleet.fleet.visible_tiles import TileReporter
    from streamfleet.fleet.wakeups import Wakeups

    assert api_settings.redis_url is not None
    redis_url = api_settings.redis_url

    async def open_bus() -> RedisBus:
        return await RedisBus.open(redis_url, api_settings.redis_prefix)

    def control(ctx: EngineContext) -> ApiNodeControl:
        prefix = ctx.settings.redis_prefix
        wakeups = Wakeups(redis_url, prefix)
        desk = CommandDesk(
            CommandRepository(ctx.database.sessions),
            CommandReplies(redis_url, prefix),
            wakeups,
            wait_s=ctx.settings.command_wait_s,
            now=utc_now,
        )
        return ApiNodeControl(
            wakeups,
            desk,
            LeaseBook(ctx.database),
            WorkerRegistry(ctx.database),
            ChannelMediaRepository(ctx.database.sessions),
            TileReporter(redis_url, prefix),
        )

    def single_jobs(
        database: Database, alerts: AlertService, audit: AuditRepository, show: ShowSchedule
    ) -> ApiNodeJobs:
        return ApiNodeJobs(api_settings, database, alerts, audit, show)

    return create_app(
        api_settings,
        engine_factory=control,
        bus_factory=open_bus,
        scheduled_backups=False,
        single_jobs=single_jobs,
    )


def _worker_app(worker_settings: Settings) -> FastAPI:
    import streamfleet
    from streamfleet.cluster.workers import WorkerSpec
    from streamfleet.db.session import Database
    from streamfleet.events.redis_bus import RedisBus
    from streamfleet.fleet.command_replies import CommandReplies
    from streamfleet.fleet.visible_tiles import TileReader
    from streamfleet.fleet.wakeups import Wakeups
    from streamfleet.fleet.worker import FleetWorker
    from streamfleet.fleet.worker_http import worker_app

    assert worker_settings.redis_url is not None
    redis_url, prefix = worker_settings.redis_url, worker_settings.redis_prefix
    spec = WorkerSpec(
        id=worker_settings.worker_name,
        host=socket.gethostname(),
        capacity=worker_settings.engine_capacity,
        version=streamfleet.__version__,
        labels=dict(worker_settings.worker_labels),
    )
    opened: dict[str, Any] = {}

    async def start() -> FleetWorker:
        database = Database(worker_settings.resolved_database_url)
        bus = await RedisBus.open(redis_url, prefix)
        opened.update(database=database, bus=bus)
        wakeups, replies = Wakeups(redis_url, prefix), CommandReplies(redis_url, prefix)
        worker = FleetWorker(
            worker_settings, database, bus, wakeups, spec, replies, TileReader(redis_url, prefix)
        )
        await worker.start()
        return worker

    async def stop(worker: FleetWorker) -> None:
        await worker.stop()
        await opened["bus"].close()
        await opened["database"].dispose()

    return worker_app(start, stop)
