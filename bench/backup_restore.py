"""``python -m bench.backup_restore``: time and size of a backup and its restore on each engine.

    python -m bench.backup_restore --channels 1000 --events 100000
    python -m bench.backup_restore --engines sqlite --key 'a passphrase'
    python -m bench.backup_restore --engines sqlite --to s3

With ``--to s3`` the backup goes to a bucket of moto's S3 server, started in this
process on a loopback port (its request handling shares this process's CPU, so
the figures are an upper bound of the client's cost, not a real store's).

For each engine: a fresh database, migrated and filled with ``--channels``
channels and ``--events`` channel events (bulk inserts), then ``streamfleet
backup`` into a new directory (timed; size = the sum of its files), then a
restore into another fresh database of the same engine (timed). Databases are
created and dropped on the servers the tests use (``STREAMFLEET_TEST_POSTGRES``,
``STREAMFLEET_TEST_MARIADB``, same defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from streamfleet.backup.restore import restore_backup
from streamfleet.backup.snapshot import write_backup
from streamfleet.backup.store import BackupStore, DirectoryStore, S3Store
from streamfleet.config import Settings
from streamfleet.db import migrate, models
from streamfleet.db.base import Base
from streamfleet.db.session import Database
from streamfleet.logs import configure_logging
from streamfleet.storage.object_store import ObjectStore, S3Connection, make_client

POSTGRES_ADMIN_DSN = os.environ.get(
    "STREAMFLEET_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
MARIADB_ADMIN_URL = os.environ.get("STREAMFLEET_TEST_MARIADB", "mysql://root:@127.0.0.1:3306/test")
ENGINES = ("sqlite", "postgresql", "mariadb")
INSERT_BATCH = 5000
TABLE_MODULES = (models,)  # declares channels and channel_events on Base.metadata
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Figures:
    engine: str
    rows: int
    backup_s: float
    backup_bytes: int
    restore_s: float


@asynccontextmanager
async def fresh_database(engine: str, folder: Path) -> AsyncIterator[str]:
    name = f"sf_bench_{uuid.uuid4().hex[:12]}"
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / name / 'streamfleet.db'}"
        return
    if engine == "postgresql":
        import asyncpg  # type: ignore[import-untyped]

        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        try:
            yield f"postgresql+asyncpg://{urlsplit(POSTGRES_ADMIN_DSN).netloc}/{name}"
        finally:
            admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
        return
    await _mariadb(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield f"mysql+asyncmy://{urlsplit(MARIADB_ADMIN_URL).netloc}/{name}?charset=utf8mb4"
    finally:
        await _mariadb(f"DROP DATABASE IF EXISTS `{name}`")


async def _mariadb(sql: str) -> None:
    import asyncmy

    parts = urlsplit(MARIADB_ADMIN_URL)
    conn = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(sql)
    finally:
        conn.close()


def channel(number: int) -> dict[str, Any]:
    return {
        "id": number,
        "slug": f"channel-{number}",
        "name": f"Channel {number}",
        "input_url": f"udp://127.0.0.1:{20000 + number}",
        "backup_url": None,
        "tags": ["bench", f"group {number % 10}"],
        "enabled": True,
        "ingest_mode": "pull",
        "listen_port": None,
        "passphrase": None,
        "profile": "copy",
        "hls_segment_seconds": None,
        "hls_list_size": None,
        "recording": False,
        "retention_days": 7,
        "thumbnail_interval_s": 10,
        "offline_grace_s": 10,
        "content_checks": [],
        "created_at": T0,
        "updated_at": T0,
        "status": "online",
        "status_since": T0,
        "status_reason": "",
    }


def event(number: int, channels: int) -> dict[str, Any]:
    return {
        "channel_id": 1 + number % channels,
        "at": T0 + timedelta(milliseconds=number * 37),
        "type": "status",
        "from_status": "online",
        "to_status": "offline",
        "reason": "no progress for 1.2 s (input stalled)",
        "worker": "worker-a",
        "data": {"attempt": number % 7, "stderr_tail": ["Connection timed out"]},
    }


async def fill(url: str, channels: int, events: int) -> None:
    database = Database(url)
    try:
        await migrate.upgrade(database)
        async with database.engine.begin() as conn:
            await conn.execute(
                Base.metadata.tables["channels"].insert(),
                [channel(n) for n in range(1, channels + 1)],
            )
            for start in range(0, events, INSERT_BATCH):
                batch = [
                    event(n, channels) for n in range(start, min(events, start + INSERT_BATCH))
                ]
                await conn.execute(Base.metadata.tables["channel_events"].insert(), batch)
    finally:
        await database.dispose()


@contextmanager
def bucket_on_loopback() -> Iterator[ObjectStore]:
    """A new bucket on moto's S3 server, run in this process on a free loopback port."""
    from moto.server import ThreadedMotoServer  # the test extra

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    connection = S3Connection(
        endpoint_url=f"http://{host}:{port}",
        region="us-east-1",
        access_key_id="bench",
        secret_access_key=SecretStr("bench-secret"),
    )
    client = make_client(connection)
    client.create_bucket(Bucket="bench")
    try:
        yield ObjectStore("bench", client)
    finally:
        server.stop()


def new_store(folder: Path, bucket: ObjectStore | None) -> BackupStore:
    name = f"backup-{uuid.uuid4().hex[:8]}"
    return DirectoryStore(folder / name) if bucket is None else S3Store(bucket, name)


async def measure(
    engine: str,
    channels: int,
    events: int,
    key: str | None,
    folder: Path,
    bucket: ObjectStore | None = None,
) -> Figures:
    async with fresh_database(engine, folder) as source, fresh_database(engine, folder) as target:
        await fill(source, channels, events)
        settings = Settings(data_dir=folder, database_url=source, demo=False, backup_key=key)
        store = new_store(folder, bucket)
        started = time.perf_counter()
        made = await write_backup(settings, store)
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        restored = await restore_backup(store, target, key=key)
        restore_s = time.perf_counter() - started
        assert sum(restored.rows.values()) == channels + events
        return Figures(engine, channels + events, backup_s, made.total_bytes, restore_s)


async def main(args: argparse.Namespace) -> list[Figures]:
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="sf-bench-backup-"))
        bucket = stack.enter_context(bucket_on_loopback()) if args.to == "s3" else None
        return [
            await measure(engine, args.channels, args.events, args.key, Path(folder), bucket)
            for engine in args.engines.split(",")
        ]


def report(figures: list[Figures], args: argparse.Namespace) -> Table:
    sealed = "encrypted" if args.key else "not encrypted"
    where = "moto S3 on loopback" if args.to == "s3" else "a directory"
    table = Table(title=f"{args.channels} channels + {args.events} events, {sealed}, to {where}")
    for column in ("engine", "rows", "backup s", "backup size", "restore s"):
        table.add_column(column, justify="right")
    for f in figures:
        table.add_row(
            f.engine,
            str(f.rows),
            f"{f.backup_s:.2f}",
            f"{f.backup_bytes / 1e6:.2f} MB",
            f"{f.restore_s:.2f}",
        )
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--key", default=None, help="Encrypt the backup with this passphrase.")
    parser.add_argument("--to", choices=("dir", "s3"), default="dir", help="Where the backup goes.")
    arguments = parser.parse_args()
    configure_logging("warning", "console")
    Console().print(report(asyncio.run(main(arguments)), arguments))
