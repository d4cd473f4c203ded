"""What the migration tests compare: the tables a database has, and how some of them differ
from their models."""

from __future__ import annotations

from collections.abc import Collection

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from streamfleet.db.base import Base
from streamfleet.db.session import Database


async def tables(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def model_differences(database: Database, names: Collection[str]) -> list[object]:
    """Where the tables ``names`` (their columns, types, indexes, keys) differ from the models."""

    def among(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        if kind == "table":
            return name in names
        table = getattr(obj, "table", None)
        return table is None or table.name in names

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": among}
        )
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as conn:
        return await conn.run_sync(differences)
