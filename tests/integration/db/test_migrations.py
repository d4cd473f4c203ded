"""Migrations bring an empty database to the current schema on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from streamfleet.db import migrate
from streamfleet.db.base import Base
from streamfleet.db.session import Database

OUR_TABLES = {"channels", "channel_events"}


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()


async def test_upgrade_creates_the_channel_tables_and_reaches_head(database: Database) -> None:
    revision = await migrate.upgrade(database)
    assert revision == migrate.head_revision()

    def tables(conn: Connection) -> set[str]:
        return set(inspect(conn).get_table_names())

    async with database.engine.connect() as conn:
        assert await conn.run_sync(tables) >= OUR_TABLES


async def test_upgrading_twice_changes_nothing(database: Database) -> None:
    first = await migrate.upgrade(database)
    second = await migrate.upgrade(database)
    assert first == second == await migrate.current_revision(database)


async def test_the_first_revision_is_0001(database: Database) -> None:
    assert await migrate.upgrade(database, "0001") == "0001"


async def test_the_models_match_the_migrated_schema(database: Database) -> None:
    await migrate.upgrade(database)

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _ours}
        )
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


def _ours(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    """Compare only the channel tables (other modules check their own)."""
    if kind == "table":
        return name in OUR_TABLES
    table = getattr(obj, "table", None)
    return table is None or table.name in OUR_TABLES
