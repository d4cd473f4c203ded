"""Notification targets in the database: where messages go, and which ones each wants.

``url`` and ``secret`` are stored as given (the senders need them); the API
masks them in answers. Names are unique (``Conflict`` on ``name``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.alert_models import NotificationTargetRow
from streamfleet.db.base import utc_now
from streamfleet.db.session import transaction
from streamfleet.domain.errors import Conflict, NotFound

UPDATABLE = frozenset({"name", "url", "secret", "filters", "enabled"})


@dataclass(frozen=True, slots=True)
class TargetRecord:
    id: int
    name: str
    kind: str
    url: str
    secret: str | None
    filters: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


class TargetRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(
        self,
        *,
        name: str,
        kind: str,
        url: str,
        secret: str | None,
        filters: dict[str, Any],
        enabled: bool = True,
    ) -> TargetRecord:
        now = utc_now()
        async with self._write() as session:
            row = NotificationTargetRow(
                name=name,
                kind=kind,
                url=url,
                secret=secret,
                filters=filters,
                enabled=enabled,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            return target_record(row)

    async def get(self, target_id: int) -> TargetRecord:
        async with transaction(self._sessions) as session:
            return target_record(await _row(session, target_id))

    async def list(self, *, enabled_only: bool = False) -> list[TargetRecord]:
        query = select(NotificationTargetRow).order_by(
            NotificationTargetRow.name, NotificationTargetRow.id
        )
        if enabled_only:
            query = query.where(NotificationTargetRow.enabled.is_(True))
        async with transaction(self._sessions) as session:
            return [target_record(row) for row in await session.scalars(query)]

    async def update(self, target_id: int, changes: dict[str, Any]) -> TargetRecord:
        """Apply ``changes`` (keys from ``UPDATABLE``)."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        async with self._write() as session:
            row = await _row(session, target_id)
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = utc_now()
            await session.flush()
            return target_record(row)

    async def delete(self, target_id: int) -> None:
        async with transaction(self._sessions) as session:
            await session.delete(await _row(session, target_id))

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        try:
            async with transaction(self._sessions) as session:
                yield session
        except IntegrityError as exc:
            raise Conflict("a target with this name already exists", field="name") from exc


async def _row(session: AsyncSession, target_id: int) -> NotificationTargetRow:
    row = await session.get(NotificationTargetRow, target_id)
    if row is None:
        raise NotFound(f"target {target_id} does not exist")
    return row


def target_record(row: NotificationTargetRow) -> TargetRecord:
    return TargetRecord(
        id=row.id,
        name=row.name,
        kind=row.kind,
        url=row.url,
        secret=row.secret,
        filters=dict(row.filters or {}),
        enabled=bool(row.enabled),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
