"""The recording archive's index in the database: add rows, read a span, delete oldest first.

The engine's recorder adds rows in batches (``add``); retention reads the oldest
rows of a channel (``oldest``) and deletes them by id (``delete``), a bounded batch
at a time; the API reads a span (``between``). Every query is on
``(channel_id, start)``, the table's index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.archive_models import ArchiveSegmentRow
from streamfleet.db.session import transaction
from streamfleet.domain.archive import ArchivedSegment

COLUMNS = (
    ArchiveSegmentRow.id,
    ArchiveSegmentRow.channel_id,
    ArchiveSegmentRow.start,
    ArchiveSegmentRow.duration_s,
    ArchiveSegmentRow.bytes,
    ArchiveSegmentRow.path,
)
DELETE_CHUNK = 500
"""Ids per ``DELETE … WHERE id IN (…)`` statement."""


class ArchiveRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, segments: Sequence[ArchivedSegment]) -> None:
        """Index archived segments: one multi-row insert."""
        if not segments:
            return
        rows = [
            {
                "channel_id": s.channel_id,
                "start": s.start,
                "duration_s": s.duration_s,
                "bytes": s.bytes,
                "path": s.path,
            }
            for s in segments
        ]
        async with transaction(self._sessions) as session:
            await session.execute(insert(ArchiveSegmentRow), rows)

    async def between(
        self, channel_id: int, start: datetime, end: datetime, limit: int
    ) -> list[ArchivedSegment]:
        """The channel's segments starting in ``[start, end)``, oldest first, at most ``limit``."""
        query = (
            select(*COLUMNS)
            .where(
                ArchiveSegmentRow.channel_id == channel_id,
                ArchiveSegmentRow.start >= start,
                ArchiveSegmentRow.start < end,
            )
            .order_by(ArchiveSegmentRow.start, ArchiveSegmentRow.id)
            .limit(limit)
        )
        return await self._segments(query)

    async def oldest(
        self,
        channel_id: int,
        limit: int,
        before: datetime | None = None,
        after: ArchivedSegment | None = None,
        *,
        local_only: bool = False,
    ) -> list[ArchivedSegment]:
        """The channel's oldest segments (starting before ``before``, and after the segment
        ``after`` in ``(start, id)`` order, if given: a keyset that pages past kept ones; only
        those the bucket does not hold, with ``local_only``)."""
        query = select(*COLUMNS).where(ArchiveSegmentRow.channel_id == channel_id)
        if before is not None:
            query = query.where(ArchiveSegmentRow.start < before)
        if after is not None:
            query = query.where(
                or_(
                    ArchiveSegmentRow.start > after.start,
                    and_(ArchiveSegmentRow.start == after.start, ArchiveSegmentRow.id > after.id),
                )
            )
        if local_only:
            query = query.where(ArchiveSegmentRow.in_bucket.is_(False))
        query = query.order_by(ArchiveSegmentRow.start, ArchiveSegmentRow.id).limit(limit)
        return await self._segments(query)

    async def _segments(
        self, query: Select[int, int, datetime, float, int, str]
    ) -> list[ArchivedSegment]:
        """Plain rows, not ORM objects: retention reads thousands at a time."""
        async with self._sessions() as session:
            result = await session.execute(query)
            return [
                ArchivedSegment(
                    channel_id=r.channel_id,
                    start=r.start,
                    duration_s=r.duration_s,
                    bytes=r.bytes,
                    path=r.path,
                    id=r.id,
                )
                for r in result
            ]

    async def newest(self, channel_id: int) -> ArchivedSegment | None:
        """The channel's newest segment (by start)."""
        query = (
            select(*COLUMNS)
            .where(ArchiveSegmentRow.channel_id == channel_id)
            .order_by(ArchiveSegmentRow.start.desc(), ArchiveSegmentRow.id.desc())
            .limit(1)
        )
        found = await self._segments(query)
        return found[0] if found else None

    async def total_bytes(self, channel_id: int) -> int:
        query = select(func.coalesce(func.sum(ArchiveSegmentRow.bytes), 0)).where(
            ArchiveSegmentRow.channel_id == channel_id
        )
        async with self._sessions() as session:
            return int(await session.scalar(query) or 0)

    async def paths_since(self, channel_id: int, start: datetime) -> set[str]:
        """The paths of the channel's segments starting at or after ``start``."""
        query = select(ArchiveSegmentRow.path).where(
            ArchiveSegmentRow.channel_id == channel_id, ArchiveSegmentRow.start >= start
        )
        async with self._sessions() as session:
            return set((await session.scalars(query)).all())

    async def channel_ids(self) -> list[int]:
        """Every channel with rows (a deleted channel whose archive was kept, too)."""
        query = select(ArchiveSegmentRow.channel_id).distinct()
        async with self._sessions() as session:
            return sorted((await session.scalars(query)).all())

    async def mark_in_bucket(self, ids: Sequence[int]) -> None:
        """These segments are uploaded (``archive_to_s3``)."""
        async with transaction(self._sessions) as session:
            for at in range(0, len(ids), DELETE_CHUNK):
                chunk = ids[at : at + DELETE_CHUNK]
                await session.execute(
                    update(ArchiveSegmentRow)
                    .where(ArchiveSegmentRow.id.in_(chunk))
                    .values(in_bucket=True)
                )

    async def delete(self, ids: Sequence[int]) -> None:
        async with transaction(self._sessions) as session:
            for at in range(0, len(ids), DELETE_CHUNK):
                chunk = ids[at : at + DELETE_CHUNK]
                await session.execute(
                    delete(ArchiveSegmentRow).where(ArchiveSegmentRow.id.in_(chunk))
                )

    async def detach_channel(self, channel_id: int) -> int:
        """File a deleted channel's kept rows under ``-channel_id``; returns how many.

        SQLite gives a new row the highest id plus one, so a channel created after the
        newest one was deleted gets its id back: the kept archive must not become the new
        channel's. Retention still finds the rows (``channel_ids``) and removes them at the
        default age."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                update(ArchiveSegmentRow)
                .where(ArchiveSegmentRow.channel_id == channel_id)
                .values(channel_id=-channel_id)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def delete_channel(self, channel_id: int) -> int:
        """Every row of the channel (its archive was removed); returns how many."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                delete(ArchiveSegmentRow).where(ArchiveSegmentRow.channel_id == channel_id)
            )
            return int(getattr(result, "rowcount", 0) or 0)
