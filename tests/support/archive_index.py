"""The recording archive's index on a migrated database, for engine and repository tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from streamfleet.db import migrate
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.session import Database


@asynccontextmanager
async def archive_index(url: str) -> AsyncIterator[ArchiveRepository]:
    database = Database(url)
    await migrate.upgrade(database)
    try:
        yield ArchiveRepository(database.sessions)
    finally:
        await database.dispose()
