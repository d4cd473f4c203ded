"""Revision 0011 adds ``fleet_commands`` on SQLite, PostgreSQL and MariaDB, matching its
model, and takes it away again on the way down."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from streamfleet.db import migrate
from streamfleet.db.base import Base
from streamfleet.db.command_models import CommandRow
from streamfleet.db.session import Database

COMMANDS = CommandRow.__tablename__
BEFORE_COMMANDS = "0010"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()


async def tables(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_the_commands_table_matches_its_model(database: Database) -> None:
    await migrate.upgrade(database)

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _commands}
        )
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as conn:
        assert await conn.run_sync(differences) == []
    assert COMMANDS in await tables(database)


async def test_0011_goes_down_and_up_again(database: Database) -> None:
    await migrate.upgrade(database)

    assert await migrate.downgrade(database, BEFORE_COMMANDS) == BEFORE_COMMANDS
    assert COMMANDS not in await tables(database)
    assert await migrate.upgrade(database) == migrate.head_revision() == "0011"
    assert COMMANDS in await tables(database)


def _commands(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    if kind == "table":
        return name == COMMANDS
    table = getattr(obj, "table", None)
    return table is None or table.name == COMMANDS
