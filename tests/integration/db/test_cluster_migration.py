"""Revision 0006 adds the fleet's tables on SQLite, PostgreSQL and MariaDB, matching the models,
and takes them away again on the way down."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from streamfleet.db import cluster_models, migrate
from streamfleet.db.base import Base
from streamfleet.db.session import Database

CLUSTER_TABLES = {
    cluster_models.WorkerRow.__tablename__,
    cluster_models.ChannelLeaseRow.__tablename__,
    cluster_models.LeaderLeaseRow.__tablename__,
}
BEFORE_CLUSTER = "0005"


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


async def test_the_cluster_tables_match_their_models(database: Database) -> None:
    await migrate.upgrade(database)

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _cluster}
        )
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as conn:
        assert await conn.run_sync(differences) == []
    assert await tables(database) >= CLUSTER_TABLES


async def test_0006_goes_down_and_up_again(database: Database) -> None:
    await migrate.upgrade(database)

    assert await migrate.downgrade(database, BEFORE_CLUSTER) == BEFORE_CLUSTER
    assert not await tables(database) & CLUSTER_TABLES
    assert await migrate.upgrade(database) == migrate.head_revision()
    assert await tables(database) >= CLUSTER_TABLES


def _cluster(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    if kind == "table":
        return name in CLUSTER_TABLES
    table = getattr(obj, "table", None)
    return table is None or table.name in CLUSTER_TABLES
