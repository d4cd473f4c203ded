"""The ``streamfleet`` command: one function per command, the work lives below.

    streamfleet serve [--host H] [--port P] [--no-demo]
    streamfleet api [--host H] [--port P]       (cli_fleet.py: a fleet's API node)
    streamfleet worker [--host H] [--port P]    (cli_fleet.py: a fleet's stream worker)
    streamfleet db upgrade
    streamfleet channel list [--tag T] [--status S] [--search Q] [--json]
    streamfleet channel import FILE [--format m3u|yaml] [--partial] [--dry-run]
    streamfleet channel export [FILE]
    streamfleet backup --to DIR|s3://bucket/prefix
    streamfleet restore DIR|s3://bucket/prefix [--force]
    streamfleet user create|list|set-password|disable|enable …   (cli_accounts.py)
    streamfleet token create --role R --expires 30d [--user U] [--name N]

Settings come from ``STREAMFLEET_*`` and the TOML file named by
``STREAMFLEET_CONFIG``; a bad value ends the command with one line naming it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from streamfleet.cli_accounts import token_app, user_app
from streamfleet.cli_fleet import api_command, worker_app
from streamfleet.cli_support import admin_settings as _admin_settings
from streamfleet.cli_support import fail as _fail
from streamfleet.cli_support import run as _run
from streamfleet.cli_support import settings as _settings
from streamfleet.config import ENV_PREFIX, Settings
from streamfleet.db import migrate
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.repositories.channel_import import import_channels
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.session import Database
from streamfleet.domain.audit import AuditAction
from streamfleet.domain.channel_import import ImportFormat, render_yaml
from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.status import Status
from streamfleet.domain.url_policy import redact
from streamfleet.logs import configure_logging

if TYPE_CHECKING:
    from fastapi import FastAPI

    from streamfleet.backup.progress import TableProgress
    from streamfleet.backup.store import BackupStore
    from streamfleet.db.repositories.channels import ChannelRecord, ImportOutcome
    from streamfleet.db.repositories.page import Page
    from streamfleet.domain.channel import Channel
    from streamfleet.engine.builder import EngineFactory

T = TypeVar("T")

app = typer.Typer(
    name="streamfleet",
    help="Keep many live video channels alive: ingest, HLS, health, alerts, dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
channel_app = typer.Typer(
    help="List, import and export channels (the same rules as the API).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(channel_app, name="channel")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.command("api")(api_command)
app.add_typer(worker_app, name="worker")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def engine_factory() -> EngineFactory:
    """The stream engine ``serve`` runs: the supervisor, thumbnailer and demo feeds."""
    from streamfleet.engine.builder import build_engine

    return build_engine


# serve -------------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: STREAMFLEET_HOST, 127.0.0.1)")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: STREAMFLEET_PORT, 8080)")
    ] = None,
    no_demo: Annotated[
        bool, typer.Option("--no-demo", help="Do not create demo channels in an empty database.")
    ] = False,
) -> None:
    """Run the API, the dashboard and the stream engine in one process.

    Migrates the database first, prints the dashboard URL, and serves until
    SIGINT/SIGTERM.
    """
    overrides: dict[str, Any] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    if no_demo:
        overrides["demo"] = False
    settings = _settings(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            code = runner.run(_serve(settings))
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown
        code = 130
    raise typer.Exit(code)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when it is installed (it comes with ``uvicorn[standard]``): the server's
    fan-out, pipes and timers cost less CPU on it; else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _serve(
    settings: Settings,
    make_app: Callable[[Settings], FastAPI] | None = None,
    *,
    dashboard: bool = True,
    migrate_first: bool = True,
) -> int:
    """Migrate (``migrate_first``), then serve ``make_app(settings)`` (default: ``serve``'s
    app, API and engine) until SIGINT/SIGTERM. ``dashboard``: print where the dashboard is."""
    import uvicorn

    from streamfleet.accounts.first_admin import FIRST_ADMIN, INITIAL_ADMIN_FILE
    from streamfleet.api.app import create_app
    from streamfleet.api.channel_view import publish_host

    try:
        if migrate_first:
            await migrate.upgrade_url(settings.resolved_database_url)
    except DatabaseUnavailable as exc:
        _fail(f"database {redact(settings.resolved_database_url)}: {exc}", code=1)
    try:
        if make_app is not None:
            api = make_app(settings)
        else:
            api = create_app(settings, engine_factory=engine_factory())
    except InvalidInput as exc:  # a malformed data_dir/playback-secret
        [error] = exc.errors
        _fail(f"invalid setting {ENV_PREFIX}{error.field.upper()}: {error.message}", code=2)
    except OSError as exc:  # data_dir/playback-secret could not be written
        _fail(f"playback secret: {exc}", code=1)
    config = uvicorn.Config(
        api,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
        # Live-feed envelopes are small JSON; compressing them per client costs more CPU than
        # the bytes are worth on a control-room network (the benchmark measured ~10 % of
        # serve's CPU in permessage-deflate with 50 clients).
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
    shown_host = publish_host(settings) if settings.host in ("0.0.0.0", "::") else settings.host
    if dashboard:
        typer.echo(f"streamfleet: dashboard at http://{shown_host}:{settings.port}/")
    initial_admin = settings.data_dir / INITIAL_ADMIN_FILE
    if dashboard and initial_admin.is_file():  # the first start prints the password itself (stderr)
        typer.echo(
            f"streamfleet: log in as {FIRST_ADMIN} with the password in {initial_admin} "
            "(change it, then delete the file)"
        )
    sys.stdout.flush()
    # uvicorn raises SystemExit when it cannot bind or start the app; we report it below.
    with contextlib.suppress(SystemExit):
        await server.serve()
    if not server.started:
        typer.echo(
            f"error: could not serve on {settings.host}:{settings.port} (see the log above)",
            err=True,
        )
        return 1
    return 0


# db ----------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations (safe to run again; start-up does it too)."""
    settings = _admin_settings()
    url = settings.resolved_database_url
    current = _run(migrate.upgrade_url(url, revision))
    typer.echo(f"database {redact(url)} is at revision {current}")


# backup and restore ------------------------------------------------------------------------


@app.command()
def backup(
    to: Annotated[
        str,
        typer.Option(
            "--to", help="A new (or empty) directory, or s3://bucket/prefix (STREAMFLEET_S3_*)."
        ),
    ],
) -> None:
    """Write a consistent, portable backup of the database (encrypted when
    STREAMFLEET_BACKUP_KEY is set)."""
    from streamfleet.backup.snapshot import write_backup

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    store = _backup_store(to, settings)
    with _table_progress("backup") as progress:
        result = _run(write_backup(settings, store, progress=progress))
    rows = sum(t.rows for t in result.manifest.tables)
    facts = {"ok": True, "rows": rows, "bytes": result.total_bytes}
    _record_backup_action(settings, AuditAction.BACKUP_CREATE, str(result.location), facts)
    sealed = "encrypted" if result.manifest.encryption else "not encrypted"
    typer.echo(
        f"backup of {rows} rows in {len(result.manifest.tables)} tables written to "
        f"{result.location} ({result.total_bytes} bytes, {sealed}, "
        f"schema {result.manifest.schema_revision})"
    )


@app.command()
def restore(
    source: Annotated[
        str, typer.Argument(help="The directory of a backup, or s3://bucket/prefix.")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the contents of a database that is not empty.")
    ] = False,
) -> None:
    """Restore a backup into an empty database of any engine (checked before anything is
    written)."""
    from streamfleet.backup.restore import restore_backup

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    store = _backup_store(source, settings)
    key = settings.backup_key.get_secret_value() if settings.backup_key else None
    url = settings.resolved_database_url
    with _table_progress("restore") as progress:
        result = _run(restore_backup(store, url, key=key, force=force, progress=progress))
    facts = {"ok": True, "rows": sum(result.rows.values()), "forced": force}
    _record_backup_action(settings, AuditAction.BACKUP_RESTORE, source, facts)
    typer.echo(
        f"restored {sum(result.rows.values())} rows in {len(result.rows)} tables into "
        f"{redact(url)} (backup schema {result.manifest.schema_revision}, now {result.revision})"
    )


def _record_backup_action(
    settings: Settings, action: AuditAction, location: str, facts: Mapping[str, object]
) -> None:
    """The audit entry of a finished backup or restore, in the database it concerns."""
    from streamfleet.backup.audit import record_in

    _run(record_in(settings.resolved_database_url, action, location, via="cli", facts=facts))


def _backup_store(location: str, settings: Settings) -> BackupStore:
    from streamfleet.backup.errors import UnsupportedLocation
    from streamfleet.backup.store import open_store

    try:
        return open_store(location, settings.s3_connection)
    except UnsupportedLocation as exc:
        _fail(str(exc), code=2)


@contextlib.contextmanager
def _table_progress(verb: str) -> Iterator[TableProgress]:
    """A Rich progress bar with one line per table, fed by the backup/restore callback."""
    with Progress(
        TextColumn(f"{verb} {{task.description}}"), BarColumn(), MofNCompleteColumn(), console=err
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total)
            bar.update(tasks[table], completed=done, total=total)

        yield advance


# channel -----------------------------------------------------------------------------------


@channel_app.command("list")
def channel_list(
    tag: Annotated[str | None, typer.Option(help="Only channels with this tag.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only these statuses, comma-separated (offline,error).")
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", "-q", help="Text in the name or slug.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List channels with their last recorded status."""
    statuses = _statuses(status)

    async def work(channels: ChannelRepository) -> Page[ChannelRecord]:
        return await channels.list_page(
            limit=limit, offset=offset, tag=tag, statuses=statuses, q=search
        )

    page = _with_channels(work)
    if as_json:
        items = [
            {
                "id": r.channel.id,
                "slug": r.channel.slug,
                "name": r.channel.name,
                "status": r.status.value,
                "profile": r.channel.profile,
                "tags": list(r.channel.tags),
                "input_url": redact(r.channel.input_url),
            }
            for r in page.items
        ]
        typer.echo(json.dumps({"items": items, "total": page.total}, indent=2))
        return
    table = Table(title=f"{len(page.items)} of {page.total} channels")
    for column in ("id", "slug", "name", "status", "profile", "tags", "input"):
        table.add_column(column)
    for r in page.items:
        table.add_row(
            str(r.channel.id),
            r.channel.slug,
            r.channel.name,
            r.status.value,
            r.channel.profile,
            ", ".join(r.channel.tags),
            redact(r.channel.input_url),
        )
    out.print(table)


@channel_app.command("import")
def channel_import(
    file: Annotated[Path, typer.Argument(help="An M3U/M3U8 playlist or YAML file; - for stdin.")],
    format: Annotated[
        ImportFormat | None,
        typer.Option(help="m3u or yaml (guessed from the content when not given)"),
    ] = None,
    partial: Annotated[
        bool, typer.Option(help="Import the good entries even when some are bad.")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Check everything, write nothing.")] = False,
) -> None:
    """Import channels; a file with any bad entry imports nothing unless --partial."""
    text = _read_text(file)

    async def work(channels: ChannelRepository) -> ImportOutcome:
        with Progress(
            TextColumn("importing"), BarColumn(), MofNCompleteColumn(), console=err
        ) as bar:
            task = bar.add_task("import", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return await import_channels(
                channels, text, fmt=format, partial=partial, dry_run=dry_run, progress=advance
            )

    try:
        outcome = _with_channels(work)
    except InvalidInput as exc:
        _print_field_errors(exc)
        _fail(f"nothing imported: {len(exc.errors)} problem(s) in {file}", code=1)
    for error in outcome.errors:
        err.print(_error_line(error.line, error.field, error.message), markup=False)
    verb = "would import" if outcome.dry_run else "imported"
    skipped = f"; {len(outcome.errors)} problem(s) skipped" if outcome.errors else ""
    typer.echo(f"{verb} {len(outcome.channels)} channel(s){skipped}")


@channel_app.command("export")
def channel_export(
    file: Annotated[
        Path | None, typer.Argument(help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Write every channel's configuration as YAML that `channel import` reads back."""

    async def work(channels: ChannelRepository) -> list[Channel]:
        return await channels.all()

    text = render_yaml(_with_channels(work))
    if file is None or str(file) == "-":
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {file}")


# Shared plumbing ---------------------------------------------------------------------------


def _with_channels(work: Callable[[ChannelRepository], Awaitable[T]]) -> T:
    """Open the database, migrate it, run ``work(ChannelRepository)``, close it."""
    settings = _admin_settings()

    async def main() -> T:
        async with _channel_repository(settings) as channels:
            return await work(channels)

    return _run(main())


@asynccontextmanager
async def _channel_repository(settings: Settings) -> AsyncIterator[ChannelRepository]:
    database = Database(settings.resolved_database_url)
    try:
        await migrate.upgrade(database)
        yield ChannelRepository(
            database.sessions, srt_port_range=(settings.srt_port_min, settings.srt_port_max)
        )
    finally:
        await database.dispose()


def _statuses(text: str | None) -> list[Status]:
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    try:
        return [Status(n) for n in names]
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise typer.BadParameter(f"use one or more of {allowed}", param_hint="--status") from None


def _read_text(file: Path) -> str:
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {file}: {exc.strerror}", code=2)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        _fail(f"{file} is not UTF-8 text", code=2)


def _print_field_errors(exc: InvalidInput) -> None:
    for error in exc.errors:
        err.print(_error_line(error.line, error.field, error.message), markup=False)


def _error_line(line: int | None, field: str, message: str) -> str:
    where = f"line {line}: " if line is not None else ""
    return f"{where}{field}: {message}"
