"""The recording archive's index, its locks and export jobs on a migrated database, for engine
and repository tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from streamfleet.db import migrate
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.archive_locks import ArchiveLockRepository
from streamfleet.db.repositories.exports import ExportRepository
from streamfleet.db.session import Database
from streamfleet.domain.exports import ExportJob, ExportPart, ExportState


@asynccontextmanager
async def archive_index(url: str) -> AsyncIterator[ArchiveRepository]:
    database = Database(url)
    await migrate.upgrade(database)
    try:
        yield ArchiveRepository(database.sessions)
    finally:
        await database.dispose()


@asynccontextmanager
async def lock_index(url: str) -> AsyncIterator[ArchiveLockRepository]:
    """The locked ranges of an already migrated database (``archive_index`` first)."""
    database = Database(url)
    try:
        yield ArchiveLockRepository(database.sessions)
    finally:
        await database.dispose()


@asynccontextmanager
async def export_jobs(url: str) -> AsyncIterator[ExportRepository]:
    """The export jobs of an already migrated database."""
    database = Database(url)
    try:
        yield ExportRepository(database.sessions)
    finally:
        await database.dispose()


def queued_export(channel_id: int, start: datetime, end: datetime) -> ExportJob:
    return ExportJob(
        id=0,
        channel_id=channel_id,
        channel_slug=f"ch{channel_id}",
        start=start,
        end=end,
        state=ExportState.QUEUED,
        progress=0.0,
        created_at=start,
        parts=(ExportPart(1, start, end),),
    )
