"""Export jobs in the database: created by the API, claimed and finished by the runner.

``claim_next`` moves the oldest queued job to ``running`` with one conditional
``UPDATE`` (``… WHERE state = 'queued'``): two runners never take the same job.
``fail_running`` is the runner's first act at start: a job left ``running`` by a
stopped server becomes ``failed`` (its FFmpeg died with the server), never stuck.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.export_models import ExportJobRow
from streamfleet.db.session import Transactions, transaction
from streamfleet.domain.errors import NotFound
from streamfleet.domain.exports import MAX_ERROR_CHARS, ExportJob, ExportPart, ExportState

LIST_LIMIT = 200


class ExportRepository:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, writes: Transactions | None = None
    ) -> None:
        self._writes: Transactions = writes or (lambda: transaction(sessions))
        """The runner's writes (claim, progress, end, expiry): a fleet's ``exports`` leader
        fences them by its term, so a holder whose term is over changes no job."""
        self._sessions = sessions

    async def create(self, job: ExportJob) -> ExportJob:
        """Insert a new job (its ``id`` is ignored) and return it with its id."""
        async with transaction(self._sessions) as session:
            row = ExportJobRow(
                channel_id=job.channel_id,
                channel_slug=job.channel_slug,
                start=job.start,
                end=job.end,
                state=job.state.value,
                progress=job.progress,
                parts=_parts_json(job.parts),
                error=job.error,
                requested_by=job.requested_by,
                created_at=job.created_at,
            )
            session.add(row)
            await session.flush()
            return replace(job, id=row.id)

    async def get(self, job_id: int) -> ExportJob:
        async with self._sessions() as session:
            row = await session.get(ExportJobRow, job_id)
            if row is None:
                raise NotFound(f"export {job_id} not found")
            return export_job(row)

    async def newest(self, limit: int = LIST_LIMIT) -> list[ExportJob]:
        """Newest first."""
        query = select(ExportJobRow).order_by(ExportJobRow.id.desc()).limit(limit)
        async with self._sessions() as session:
            return [export_job(r) for r in (await session.scalars(query)).all()]

    async def ids(self) -> set[int]:
        async with self._sessions() as session:
            return set((await session.scalars(select(ExportJobRow.id))).all())

    async def running_count(self) -> int:
        query = select(func.count()).where(ExportJobRow.state == ExportState.RUNNING.value)
        async with self._sessions() as session:
            return int(await session.scalar(query) or 0)

    async def active(self) -> list[ExportJob]:
        """Queued and running jobs (retention keeps their spans)."""
        query = select(ExportJobRow).where(
            ExportJobRow.state.in_([ExportState.QUEUED.value, ExportState.RUNNING.value])
        )
        async with self._sessions() as session:
            return [export_job(r) for r in (await session.scalars(query)).all()]

    async def claim_next(self) -> ExportJob | None:
        """The oldest queued job, now ``running``; ``None`` when none is queued."""
        async with self._writes() as session:
            job_id = await session.scalar(
                select(ExportJobRow.id)
                .where(ExportJobRow.state == ExportState.QUEUED.value)
                .order_by(ExportJobRow.id)
                .limit(1)
            )
            if job_id is None:
                return None
            result = await session.execute(
                update(ExportJobRow)
                .where(ExportJobRow.id == job_id, ExportJobRow.state == ExportState.QUEUED.value)
                .values(state=ExportState.RUNNING.value)
            )
            if not getattr(result, "rowcount", 0):
                return None
        return await self.get(job_id)

    async def set_progress(self, job_id: int, progress: float) -> None:
        await self._update(job_id, progress=progress)

    async def finish(self, job_id: int, parts: Sequence[ExportPart], at: datetime) -> None:
        await self._update(
            job_id,
            state=ExportState.DONE.value,
            progress=1.0,
            parts=_parts_json(parts),
            finished_at=at,
        )

    async def fail(self, job_id: int, error: str, at: datetime) -> None:
        await self._update(
            job_id, state=ExportState.FAILED.value, error=error[:MAX_ERROR_CHARS], finished_at=at
        )

    async def fail_running(self, error: str, at: datetime) -> list[int]:
        """Every ``running`` job becomes ``failed`` (at start: its FFmpeg is gone)."""
        async with self._writes() as session:
            ids = list(
                (
                    await session.scalars(
                        select(ExportJobRow.id).where(
                            ExportJobRow.state == ExportState.RUNNING.value
                        )
                    )
                ).all()
            )
            if ids:
                await session.execute(
                    update(ExportJobRow)
                    .where(ExportJobRow.id.in_(ids))
                    .values(state=ExportState.FAILED.value, error=error, finished_at=at)
                )
            return ids

    async def ended_before(self, cutoff: datetime) -> list[int]:
        query = select(ExportJobRow.id).where(
            ExportJobRow.finished_at.is_not(None), ExportJobRow.finished_at < cutoff
        )
        async with self._sessions() as session:
            return list((await session.scalars(query)).all())

    async def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        async with self._writes() as session:
            await session.execute(delete(ExportJobRow).where(ExportJobRow.id.in_(ids)))

    async def _update(self, job_id: int, **values: Any) -> None:
        async with self._writes() as session:
            await session.execute(
                update(ExportJobRow).where(ExportJobRow.id == job_id).values(**values)
            )


def _parts_json(parts: Sequence[ExportPart]) -> list[dict[str, Any]]:
    return [
        {
            "index": p.index,
            "from": p.start.isoformat(),
            "to": p.end.isoformat(),
            "bytes": p.bytes,
        }
        for p in parts
    ]


def export_job(row: ExportJobRow) -> ExportJob:
    return ExportJob(
        id=row.id,
        channel_id=row.channel_id,
        channel_slug=row.channel_slug,
        start=row.start,
        end=row.end,
        state=ExportState(row.state),
        progress=row.progress,
        created_at=row.created_at,
        parts=tuple(
            ExportPart(
                int(p["index"]),
                datetime.fromisoformat(p["from"]),
                datetime.fromisoformat(p["to"]),
                int(p["bytes"]),
            )
            for p in row.parts
        ),
        error=row.error,
        finished_at=row.finished_at,
        requested_by=row.requested_by,
    )
