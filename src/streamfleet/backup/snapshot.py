"""``streamfleet backup``: every table read in one consistent transaction, written portably.

PostgreSQL and MariaDB are read in one REPEATABLE READ transaction, so every
table shows the same moment while ``serve`` goes on writing. SQLite is first
copied with ``VACUUM INTO`` (one statement, consistent, and not restarted by
concurrent writes as the online backup API is) and the copy is read.

Files: ``tables/<table>.jsonl.gz`` per table (see ``rows.py``), ``channels.yaml``,
``targets.yaml``, ``settings.yaml`` (see ``exports.py``), each sealed when a
backup key is set, and ``manifest.json`` last, so a backup without a manifest
is an unfinished one.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import structlog
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from streamfleet import __version__
from streamfleet.backup import exports
from streamfleet.backup.errors import BackupError
from streamfleet.backup.manifest import MANIFEST_FILE, FileEntry, Manifest, TableEntry, sha256_hex
from streamfleet.backup.progress import TableProgress, no_progress
from streamfleet.backup.rows import LinesWriter, RowCodec
from streamfleet.backup.sealing import Sealer
from streamfleet.backup.store import BackupStore
from streamfleet.backup.tables import existing_columns, model_tables
from streamfleet.config import Settings
from streamfleet.db.migrate import known_revisions
from streamfleet.db.session import UNAVAILABLE_ERRORS, Database

READ_BATCH_ROWS: Final = 2000
EXPORTED_TABLES: Final = {"channels": "channels.yaml", "notification_targets": "targets.yaml"}

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class BackupResult:
    manifest: Manifest
    location: str
    seconds: float

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.manifest.files.values())


async def write_backup(
    settings: Settings, store: BackupStore, *, progress: TableProgress = no_progress
) -> BackupResult:
    """Write a backup of the settings' database into ``store``; returns its manifest."""
    if store.exists(MANIFEST_FILE):
        raise BackupError(f"{store.describe()} already holds a backup: choose a new directory")
    started = time.monotonic()
    key = settings.backup_key.get_secret_value() if settings.backup_key else None
    sealer = Sealer.new(key) if key else None
    url = settings.resolved_database_url
    try:
        async with _consistent_read(url) as (conn, dialect):
            revision = await conn.run_sync(_revision)
            tables, files, exported = await _write_tables(conn, store, sealer, progress)
    except UNAVAILABLE_ERRORS as exc:
        raise BackupError(f"database not reachable: {type(exc).__name__}: {exc}") from None
    texts = {
        "channels.yaml": exports.channels_yaml(exported["channels"]),
        "targets.yaml": exports.targets_yaml(exported["notification_targets"]),
        "settings.yaml": exports.settings_yaml(settings),
    }
    for name, text in texts.items():
        files[name] = _put(store, sealer, name, text.encode("utf-8"))
    manifest = Manifest(
        product_version=__version__,
        schema_revision=revision,
        created_at=datetime.now(UTC),
        source_dialect=dialect,
        tables=tuple(tables),
        files=files,
        encryption=sealer.describe() if sealer else None,
    )
    store.write(MANIFEST_FILE, manifest.to_json().encode("utf-8"))
    seconds = time.monotonic() - started
    result = BackupResult(manifest, store.describe(), seconds)
    log.info(
        "backup.written",
        location=store.describe(),
        revision=revision,
        tables=len(tables),
        rows=sum(t.rows for t in tables),
        bytes=result.total_bytes,
        encrypted=sealer is not None,
        seconds=round(seconds, 3),
    )
    return result


async def _write_tables(
    conn: AsyncConnection,
    store: BackupStore,
    sealer: Sealer | None,
    progress: TableProgress,
) -> tuple[list[TableEntry], dict[str, FileEntry], dict[str, list[dict[str, Any]]]]:
    present = await existing_columns(conn)
    tables: list[TableEntry] = []
    files: dict[str, FileEntry] = {}
    exported: dict[str, list[dict[str, Any]]] = {name: [] for name in EXPORTED_TABLES}
    for table in model_tables():
        if table.name not in present:
            continue  # a table of a later revision than this database's
        columns = tuple(c.name for c in table.c if c.name in present[table.name])
        total = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
        progress(table.name, 0, total)
        keys = list(table.primary_key.columns)
        query = select(*(table.c[name] for name in columns)).order_by(*keys)
        writer = LinesWriter()
        codec = RowCodec(table, columns)
        result = await conn.stream(query.execution_options(yield_per=READ_BATCH_ROWS))
        async for batch in result.mappings().partitions(READ_BATCH_ROWS):
            writer.add(codec.encode(row) for row in batch)
            if table.name in exported:
                exported[table.name].extend(dict(row) for row in batch)
            progress(table.name, writer.rows, total)
        name = f"tables/{table.name}.jsonl.gz"
        files[name] = _put(store, sealer, name, writer.finish())
        tables.append(TableEntry(table.name, name, writer.rows, columns))
        log.info("backup.table", table=table.name, rows=writer.rows, bytes=files[name].bytes)
    return tables, files, exported


def _put(store: BackupStore, sealer: Sealer | None, name: str, data: bytes) -> FileEntry:
    stored = sealer.seal(data) if sealer else data
    store.write(name, stored)
    return FileEntry(sha256=sha256_hex(stored), bytes=len(stored))


def _revision(conn: Connection) -> str:
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision is None:
        raise BackupError("the database has no streamfleet schema (run `streamfleet db upgrade`)")
    if revision not in known_revisions():
        raise BackupError(
            f"the database is at schema revision {revision}, newer than this streamfleet knows"
        )
    return revision


@asynccontextmanager
async def _consistent_read(url: str) -> AsyncIterator[tuple[AsyncConnection, str]]:
    """A connection in one transaction that sees a single moment of the whole database."""
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="streamfleet-backup-") as folder:
            copy = Path(folder) / "snapshot.db"
            await _vacuum_into(url, copy)
            async with _read_transaction(f"sqlite+aiosqlite:///{copy}", None) as conn:
                yield conn, dialect
        return
    async with _read_transaction(url, "REPEATABLE READ") as conn:
        yield conn, dialect


async def _vacuum_into(url: str, copy: Path) -> None:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql("VACUUM INTO ?", (str(copy),))
    finally:
        await database.dispose()


@asynccontextmanager
async def _read_transaction(url: str, isolation: str | None) -> AsyncIterator[AsyncConnection]:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            if isolation is not None:
                conn = await conn.execution_options(isolation_level=isolation)
            async with conn.begin():
                yield conn
    finally:
        await database.dispose()
