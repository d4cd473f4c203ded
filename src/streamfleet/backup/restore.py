"""``streamfleet restore``: a verified backup written into an empty database of any engine.

Order of work, so that a bad backup writes nothing:

1. read the manifest; refuse an unknown format or a schema revision newer than
   this code knows;
2. read every file, check its sha256, decrypt it (a wrong key is found from the
   manifest's key check first) and decode every row;
3. refuse a database that holds any row unless ``force``;
4. bring the empty schema to the backup's revision, then, in one transaction,
   empty the tables (``force``), insert every table parents first in batches and
   move PostgreSQL's sequences past the restored ids; MariaDB's AUTO_INCREMENT
   is set after the commit (an ALTER TABLE commits by itself there);
5. migrate from the backup's revision to the newest one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import structlog
from sqlalchemy import Select, Table, delete, literal_column, select, text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from streamfleet.backup.errors import BackupUnreadable, RestoreRefused
from streamfleet.backup.manifest import MANIFEST_FILE, Manifest, parse_manifest
from streamfleet.backup.progress import TableProgress, no_progress
from streamfleet.backup.rows import RowCodec, read_lines
from streamfleet.backup.sealing import Sealer
from streamfleet.backup.store import BackupStore
from streamfleet.backup.tables import (
    all_tables,
    existing_columns,
    model_table,
    serial_key,
    table_with,
)
from streamfleet.db import migrate
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.session import UNAVAILABLE_ERRORS, Database
from streamfleet.domain.url_policy import redact

INSERT_BATCH_ROWS: Final = 1000
REFUSED_ROW_ERRORS: Final = (IntegrityError, DataError)
"""A row the target database will not take (a duplicate key, a value too long for a column)."""

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class LoadedTable:
    """One table of a verified backup: its file's plain bytes, every row of which decoded once.

    Rows are decoded again batch by batch while inserting, so a restore holds the
    compressed files in memory, not every row as Python objects.
    """

    table: Table
    codec: RowCodec
    file: str
    data: bytes
    rows: int

    def batches(self, size: int) -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for document in read_lines(self.file, self.data):
            batch.append(self.codec.decode(document))
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch


@dataclass(frozen=True, slots=True)
class RestoreResult:
    manifest: Manifest
    rows: dict[str, int]
    revision: str | None
    seconds: float


def load_backup(store: BackupStore, key: str | None) -> tuple[Manifest, list[LoadedTable]]:
    """Read and check the whole backup; raises before anything is written anywhere."""
    manifest = parse_manifest(store.read(MANIFEST_FILE))
    known = migrate.known_revisions()
    if manifest.schema_revision not in known:
        raise RestoreRefused(
            f"the backup is at schema revision {manifest.schema_revision}, newer than this "
            f"streamfleet knows (up to {known[-1]}): restore it with a newer streamfleet"
        )
    sealer = Sealer.for_manifest(key, manifest.encryption) if manifest.encryption else None
    contents = {}
    for name in manifest.files:
        data = store.read(name)
        manifest.verify(name, data)
        contents[name] = sealer.open(name, data) if sealer else data
    tables = []
    for entry in manifest.tables:
        model = model_table(entry.name)
        if model is None:
            raise BackupUnreadable(
                MANIFEST_FILE, f"table {entry.name} is unknown to this streamfleet"
            )
        unknown = [c for c in entry.columns if c not in model.c]
        if unknown:
            raise BackupUnreadable(entry.file, f"unknown column(s) {', '.join(unknown)}")
        shape = table_with(model, entry.columns)
        codec = RowCodec(shape, entry.columns)
        rows = 0
        for rows, document in enumerate(read_lines(entry.file, contents[entry.file]), start=1):
            _check_row(entry.file, rows, codec, document)
        if rows != entry.rows:
            raise BackupUnreadable(entry.file, f"holds {rows} rows, the manifest says {entry.rows}")
        tables.append(LoadedTable(shape, codec, entry.file, contents[entry.file], rows))
    return manifest, tables


async def restore_backup(
    store: BackupStore,
    database_url: str,
    *,
    key: str | None = None,
    force: bool = False,
    progress: TableProgress = no_progress,
) -> RestoreResult:
    """Restore the backup in ``store`` into ``database_url``; see the module's steps."""
    started = time.monotonic()
    manifest, tables = await asyncio.to_thread(load_backup, store, key)
    database = Database(database_url)
    try:
        await _prepare_schema(database, manifest.schema_revision, force=force)
        async with database.engine.begin() as conn:
            if force:
                await _empty_tables(conn)
            for loaded in tables:
                await _insert(conn, loaded, progress)
            if database.dialect == "postgresql":
                await _move_sequences(conn, tables)
        if database.dialect == "mysql":
            async with database.engine.begin() as conn:
                await _move_auto_increments(conn, tables)
        revision = await migrate.upgrade(database)
    except UNAVAILABLE_ERRORS as exc:
        raise DatabaseUnavailable(f"database not available: {type(exc).__name__}: {exc}") from None
    finally:
        await database.dispose()
    seconds = time.monotonic() - started
    rows = {loaded.table.name: loaded.rows for loaded in tables}
    log.info(
        "backup.restored",
        database=redact(database_url),
        from_dialect=manifest.source_dialect,
        backup_revision=manifest.schema_revision,
        revision=revision,
        rows=sum(rows.values()),
        forced=force,
        seconds=round(seconds, 3),
    )
    return RestoreResult(manifest, rows, revision, seconds)


def _check_row(name: str, number: int, codec: RowCodec, document: dict[str, Any]) -> None:
    if set(document) != set(codec.columns):
        raise BackupUnreadable(name, f"line {number}: the columns differ from the manifest's")
    try:
        codec.decode(document)
    except (ValueError, TypeError) as exc:
        raise BackupUnreadable(name, f"line {number}: {exc}") from None


async def _prepare_schema(database: Database, revision: str, *, force: bool) -> None:
    """Refuse a database with rows (unless ``force``); bring its schema to ``revision``."""
    async with database.engine.connect() as conn:
        present = await existing_columns(conn)
        filled = [
            name
            for name in present
            if model_table(name) is not None and await _has_rows(conn, name)
        ]
    if filled and not force:
        raise RestoreRefused(
            f"database {redact(database.url)} is not empty ({', '.join(filled)} hold rows): "
            "restore into an empty database, or pass --force to replace its contents"
        )
    current = await migrate.current_revision(database)
    known = migrate.known_revisions()
    if current is not None and current not in known:
        raise RestoreRefused(
            f"database {redact(database.url)} is at schema revision {current}, "
            "newer than this streamfleet knows"
        )
    if current is not None and known.index(current) > known.index(revision):
        await migrate.downgrade(database, revision)
    else:
        await migrate.upgrade(database, revision)


async def _has_rows(conn: AsyncConnection, name: str) -> bool:
    table = model_table(name)
    assert table is not None
    query: Select[Any] = select(literal_column("1")).select_from(table).limit(1)
    found = await conn.execute(query)
    return found.first() is not None


async def _empty_tables(conn: AsyncConnection) -> None:
    present = await existing_columns(conn)
    for table in reversed(all_tables()):
        if table.name in present:
            await conn.execute(delete(table))


async def _insert(conn: AsyncConnection, loaded: LoadedTable, progress: TableProgress) -> None:
    done = 0
    progress(loaded.table.name, done, loaded.rows)
    for batch in loaded.batches(INSERT_BATCH_ROWS):
        try:
            await conn.execute(loaded.table.insert(), batch)
        except REFUSED_ROW_ERRORS as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
            raise BackupUnreadable(
                loaded.file, f"the database refused a row ({reason}); nothing was restored"
            ) from None
        done += len(batch)
        progress(loaded.table.name, done, loaded.rows)


async def _move_sequences(conn: AsyncConnection, tables: list[LoadedTable]) -> None:
    for loaded in tables:
        key = serial_key(loaded.table)
        if key is None:
            continue
        name = loaded.table.name
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', '{key}'), "  # noqa: S608
                f'COALESCE((SELECT MAX("{key}") FROM "{name}"), 0) + 1, false)'
            )
        )


async def _move_auto_increments(conn: AsyncConnection, tables: list[LoadedTable]) -> None:
    for loaded in tables:
        key = serial_key(loaded.table)
        if key is None:
            continue
        name = loaded.table.name
        highest = (await conn.execute(text(f"SELECT MAX(`{key}`) FROM `{name}`"))).scalar()  # noqa: S608
        await conn.execute(text(f"ALTER TABLE `{name}` AUTO_INCREMENT = {int(highest or 0) + 1}"))
