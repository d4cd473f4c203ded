"""A migrated PostgreSQL, then MariaDB, database with enabled channels, and the fleet's parts on it.

Each claimer gets a ``Database`` of its own: its own pool, its own connections, as
separate worker processes would have.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from streamfleet.db import migrate
from streamfleet.db.session import Database, transaction
from tests.support.backup_rows import channel_row

OpenDatabase = Callable[[], Awaitable[Database]]

_numbers = itertools.count(1)


@pytest.fixture
async def fleet_url(server_database_url: str) -> str:
    database = Database(server_database_url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()
    return server_database_url


@pytest.fixture
async def open_database(fleet_url: str) -> AsyncIterator[OpenDatabase]:
    """Opens another connection pool to the test database; all are closed at the end."""
    opened: list[Database] = []

    async def open_one() -> Database:
        opened.append(Database(fleet_url))
        return opened[-1]

    try:
        yield open_one
    finally:
        for database in opened:
            await database.dispose()


async def add_channels(database: Database, count: int, *, enabled: bool = True) -> list[int]:
    """``count`` new channels; their ids in order."""
    async with transaction(database.sessions) as session:
        rows = [channel_row(next(_numbers), enabled=enabled) for _ in range(count)]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]
