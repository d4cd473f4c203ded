"""Locked ranges of the archive in the database, and the spans retention must keep.

``kept_spans`` is what retention reads once per pass: every lock, and the span of every
queued or running export (its segments are about to be read). Locks are few (at most
``MAX_LOCKS_PER_CHANNEL`` per channel, checked in the insert's transaction).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.export_models import ArchiveLockRow, ExportJobRow
from streamfleet.db.session import transaction
from streamfleet.domain.archive_locks import MAX_LOCKS_PER_CHANNEL, ArchiveLock, KeptSpan
from streamfleet.domain.errors import Conflict, NotFound
from streamfleet.domain.exports import ACTIVE


class ArchiveLockRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, lock: ArchiveLock) -> ArchiveLock:
        async with transaction(self._sessions) as session:
            count = await session.scalar(
                select(func.count()).where(ArchiveLockRow.channel_id == lock.channel_id)
            )
            if int(count or 0) >= MAX_LOCKS_PER_CHANNEL:
                raise Conflict(
                    f"the channel has {MAX_LOCKS_PER_CHANNEL} locks already: delete one first"
                )
            row = ArchiveLockRow(
                channel_id=lock.channel_id,
                start=lock.start,
                end=lock.end,
                reason=lock.reason,
                created_by=lock.created_by,
                created_at=lock.created_at,
            )
            session.add(row)
            await session.flush()
            return replace(lock, id=row.id)

    async def of_channel(self, channel_id: int) -> list[ArchiveLock]:
        query = (
            select(ArchiveLockRow)
            .where(ArchiveLockRow.channel_id == channel_id)
            .order_by(ArchiveLockRow.start, ArchiveLockRow.id)
        )
        async with self._sessions() as session:
            return [archive_lock(r) for r in (await session.scalars(query)).all()]

    async def delete(self, channel_id: int, lock_id: int) -> ArchiveLock:
        """Remove one lock of the channel and return it; ``NotFound`` if it has no such lock."""
        async with transaction(self._sessions) as session:
            row = await session.get(ArchiveLockRow, lock_id)
            if row is None or row.channel_id != channel_id:
                raise NotFound(f"lock {lock_id} of channel {channel_id} not found")
            lock = archive_lock(row)
            await session.execute(delete(ArchiveLockRow).where(ArchiveLockRow.id == lock_id))
            return lock

    async def delete_channel(self, channel_id: int) -> None:
        """Every lock of a deleted channel (a kept archive then ages out with retention)."""
        async with transaction(self._sessions) as session:
            await session.execute(
                delete(ArchiveLockRow).where(ArchiveLockRow.channel_id == channel_id)
            )

    async def kept_spans(self) -> list[KeptSpan]:
        """Every lock, and the span of every queued or running export."""
        locks = select(ArchiveLockRow.channel_id, ArchiveLockRow.start, ArchiveLockRow.end)
        exports = select(ExportJobRow.channel_id, ExportJobRow.start, ExportJobRow.end).where(
            ExportJobRow.state.in_([s.value for s in ACTIVE])
        )
        async with self._sessions() as session:
            rows = [*(await session.execute(locks)), *(await session.execute(exports))]
        return [KeptSpan(r.channel_id, r.start, r.end) for r in rows]


def archive_lock(row: ArchiveLockRow) -> ArchiveLock:
    return ArchiveLock(
        channel_id=row.channel_id,
        start=row.start,
        end=row.end,
        id=row.id,
        reason=row.reason,
        created_at=row.created_at,
        created_by=row.created_by,
    )
