"""A fleet of real processes: ``streamfleet api`` and ``streamfleet worker`` on a fresh
PostgreSQL database (``server_fleet``: PostgreSQL, then MariaDB) and a Redis of the test's
own, sharing one data directory (the media volume). Every process is a child of the test,
killed at teardown. ``database``: a migrated database alone, for tests of the fleet's parts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from streamfleet.cluster.channel_leases import LeaseBook
from streamfleet.cluster.workers import WorkerRegistry
from streamfleet.db import migrate
from streamfleet.db.cluster_models import ChannelLeaseRow
from streamfleet.db.session import Database
from tests.integration.alerts.conftest import webhook_receiver
from tests.support.redis_server import RedisServer, redis_server
from tests.support.server import ServerProcess, start_server

__all__ = ["redis_server", "webhook_receiver"]


@dataclass
class Fleet:
    database_url: str
    redis: RedisServer
    data_dir: Path
    database: Database
    prefix: str = field(default_factory=lambda: f"sf-{uuid.uuid4().hex[:8]}")
    processes: list[ServerProcess] = field(default_factory=list)

    def env(self, **more: str) -> dict[str, str]:
        return {
            "STREAMFLEET_DATABASE_URL": self.database_url,
            "STREAMFLEET_REDIS_URL": self.redis.url,
            "STREAMFLEET_REDIS_PREFIX": self.prefix,
            "STREAMFLEET_HLS_SEGMENT_SECONDS": "1",
            "STREAMFLEET_HLS_LIST_SIZE": "3",
            **more,
        }

    def start(self, role: str, **env: str) -> ServerProcess:
        process = start_server(self.data_dir, role=role, env=self.env(**env))
        self.processes.append(process)
        process.wait_ready()
        return process

    def worker(self, name: str, capacity: int = 10) -> ServerProcess:
        return self.start(
            "worker", STREAMFLEET_WORKER_NAME=name, STREAMFLEET_ENGINE_CAPACITY=str(capacity)
        )

    async def holders(self) -> dict[int, str]:
        return await LeaseBook(self.database).holders()

    async def lease_of(self, channel_id: int) -> tuple[str | None, int]:
        """The channel's lease row as it stands: (worker, epoch), expired or not; (None, 0)
        before the placer added the row."""
        async with self.database.sessions() as session:
            row = await session.get(ChannelLeaseRow, channel_id)
            return (None, 0) if row is None else (row.worker_id, row.epoch)

    async def live_workers(self) -> set[str]:
        return {w.spec.id for w in await WorkerRegistry(self.database).live()}


@pytest.fixture
async def database(server_database_url: str) -> AsyncIterator[Database]:
    """A migrated PostgreSQL, then MariaDB, database, for the fleet's parts without processes."""
    opened = Database(server_database_url)
    await migrate.upgrade(opened)
    try:
        yield opened
    finally:
        await opened.dispose()


@pytest.fixture
async def fleet(
    postgres_url: str, redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[Fleet]:
    async for group in _fleet_on(postgres_url, redis_server, tmp_path):
        yield group


@pytest.fixture
async def server_fleet(
    server_database_url: str, redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[Fleet]:
    """A fleet on PostgreSQL, then on MariaDB."""
    async for group in _fleet_on(server_database_url, redis_server, tmp_path):
        yield group


async def _fleet_on(url: str, redis: RedisServer, tmp_path: Path) -> AsyncIterator[Fleet]:
    database = Database(url)
    await migrate.upgrade(database)
    group = Fleet(url, redis, tmp_path / "shared", database)
    try:
        yield group
    finally:
        for process in group.processes:
            process.stop()
        await database.dispose()
