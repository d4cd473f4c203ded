"""Migrations bring an empty database to the current schema on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from streamfleet.db import migrate
from streamfleet.db.session import Database
from tests.integration.db.schema_compare import model_differences, tables

OUR_TABLES = {"channels", "channel_events"}


async def test_upgrade_creates_the_channel_tables_and_reaches_head(
    empty_database: Database,
) -> None:
    revision = await migrate.upgrade(empty_database)
    assert revision == migrate.head_revision()
    assert await tables(empty_database) >= OUR_TABLES


async def test_upgrading_twice_changes_nothing(empty_database: Database) -> None:
    first = await migrate.upgrade(empty_database)
    second = await migrate.upgrade(empty_database)
    assert first == second == await migrate.current_revision(empty_database)


async def test_the_first_revision_is_0001(empty_database: Database) -> None:
    assert await migrate.upgrade(empty_database, "0001") == "0001"


async def test_the_models_match_the_migrated_schema(empty_database: Database) -> None:
    """The channel tables (other revisions' tables: ``test_table_revisions.py``)."""
    await migrate.upgrade(empty_database)
    assert await model_differences(empty_database, OUR_TABLES) == []
