"""An empty database of each backend, for the migration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from streamfleet.db.session import Database


@pytest.fixture
async def empty_database(database_url: str) -> AsyncIterator[Database]:
    """SQLite, PostgreSQL, then MariaDB, not migrated."""
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()
