"""Alerts in the database.

Rules and severities travel as plain strings here (``db`` sits below
``alerts``); ``alerts/service.py`` gives them their types. At most one alert
per (subject, rule) is open; the service keeps it that way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.alert_models import MAX_SUMMARY_LENGTH, AlertRow
from streamfleet.db.repositories.page import Page
from streamfleet.db.session import Transactions, transaction
from streamfleet.domain.errors import NotFound


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    channel_id: int | None
    subject: str
    rule: str
    severity: str
    summary: str
    started_at: datetime
    ended_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    notified: bool
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewAlert:
    channel_id: int | None
    subject: str
    rule: str
    severity: str
    summary: str
    started_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


class AlertRepository:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, writes: Transactions | None = None
    ) -> None:
        self._sessions = sessions
        self._writes: Transactions = writes or (lambda: transaction(sessions))
        """Where opening and resolving run: a fleet's ``alerts`` leader fences them by its term."""

    def fenced(self, writes: Transactions) -> AlertRepository:
        """The same alerts, opened and resolved in ``writes`` (a leader's fenced transactions)."""
        return AlertRepository(self._sessions, writes=writes)

    # Writing -----------------------------------------------------------------------------

    async def open(self, alert: NewAlert) -> AlertRecord:
        """Insert an open alert; a channel deleted meanwhile leaves ``channel_id`` empty."""
        try:
            return await self._insert(alert, alert.channel_id)
        except IntegrityError:
            if alert.channel_id is None:
                raise
            return await self._insert(alert, None)

    async def resolve(
        self, subject: str, rule: str, ended_at: datetime, reason: str
    ) -> AlertRecord | None:
        """End the open alert of (subject, rule); ``None`` when none is open."""
        async with self._writes() as session:
            row = await session.scalar(
                select(AlertRow)
                .where(AlertRow.subject == subject, AlertRow.rule == rule)
                .where(AlertRow.ended_at.is_(None))
                .order_by(AlertRow.id.desc())
                .limit(1)
            )
            if row is None:
                return None
            row.ended_at = max(ended_at, row.started_at)
            row.data = {**(row.data or {}), "resolve_reason": reason}
            await session.flush()
            return _record(row)

    async def acknowledge(self, alert_id: int, by: str, at: datetime) -> tuple[AlertRecord, bool]:
        """Record who acknowledged; a second acknowledgement keeps the first.

        Returns the alert and whether this call acknowledged it.
        """
        async with transaction(self._sessions) as session:
            row = await session.get(AlertRow, alert_id)
            if row is None:
                raise NotFound(f"alert {alert_id} does not exist")
            first = row.acknowledged_at is None
            if first:
                row.acknowledged_by = by
                row.acknowledged_at = at
                await session.flush()
            return _record(row), first

    # Reading -----------------------------------------------------------------------------

    async def get(self, alert_id: int) -> AlertRecord:
        async with transaction(self._sessions) as session:
            row = await session.get(AlertRow, alert_id)
            if row is None:
                raise NotFound(f"alert {alert_id} does not exist")
            return _record(row)

    async def get_many(self, alert_ids: Sequence[int]) -> list[AlertRecord]:
        """The alerts with these ids, in the order asked (missing ones left out)."""
        if not alert_ids:
            return []
        async with transaction(self._sessions) as session:
            rows = await session.scalars(select(AlertRow).where(AlertRow.id.in_(alert_ids)))
            by_id = {row.id: _record(row) for row in rows}
        return [by_id[i] for i in alert_ids if i in by_id]

    async def list_open(self) -> list[AlertRecord]:
        async with transaction(self._sessions) as session:
            rows = await session.scalars(
                select(AlertRow).where(AlertRow.ended_at.is_(None)).order_by(AlertRow.id)
            )
            return [_record(row) for row in rows]

    async def list_page(
        self,
        *,
        state: str | None = None,
        channel_id: int | None = None,
        rule: str | None = None,
        severity: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[AlertRecord]:
        """Alerts newest first; ``state`` is ``open`` or ``resolved`` (``None``: both)."""
        conditions: list[ColumnElement[bool]] = []
        if state == "open":
            conditions.append(AlertRow.ended_at.is_(None))
        elif state == "resolved":
            conditions.append(AlertRow.ended_at.is_not(None))
        if channel_id is not None:
            conditions.append(AlertRow.channel_id == channel_id)
        if rule:
            conditions.append(AlertRow.rule == rule)
        if severity:
            conditions.append(AlertRow.severity == severity)
        async with transaction(self._sessions) as session:
            total = await session.scalar(
                select(func.count()).select_from(AlertRow).where(*conditions)
            )
            rows = await session.scalars(
                select(AlertRow)
                .where(*conditions)
                .order_by(AlertRow.started_at.desc(), AlertRow.id.desc())
                .limit(limit)
                .offset(offset)
            )
            items = [_record(row) for row in rows]
        return Page(items, int(total or 0), limit, offset)

    async def count_open_by_severity(self) -> dict[str, int]:
        async with transaction(self._sessions) as session:
            rows = await session.execute(
                select(AlertRow.severity, func.count())
                .where(AlertRow.ended_at.is_(None))
                .group_by(AlertRow.severity)
            )
            return {str(severity): int(n) for severity, n in rows.all()}

    # Internals ---------------------------------------------------------------------------

    async def _insert(self, alert: NewAlert, channel_id: int | None) -> AlertRecord:
        async with self._writes() as session:
            row = AlertRow(
                channel_id=channel_id,
                subject=alert.subject,
                rule=alert.rule,
                severity=alert.severity,
                summary=alert.summary[:MAX_SUMMARY_LENGTH],
                started_at=alert.started_at,
                ended_at=None,
                notified=False,
                data=dict(alert.data),
            )
            session.add(row)
            await session.flush()
            return _record(row)


async def mark_notified(
    session: AsyncSession, alert_ids: Sequence[int], folded: dict[int, int]
) -> None:
    """Inside the outbox's transaction: these alerts' openings are queued."""
    if not alert_ids:
        return
    await session.execute(
        update(AlertRow)
        .where(AlertRow.id.in_(alert_ids))
        .values(notified=True)
        .execution_options(synchronize_session=False)
    )
    for alert_id, count in folded.items():
        row = await session.get(AlertRow, alert_id)
        if row is not None:
            row.data = {**(row.data or {}), "folded_flaps": count}


def _record(row: AlertRow) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        channel_id=row.channel_id,
        subject=row.subject,
        rule=row.rule,
        severity=row.severity,
        summary=row.summary,
        started_at=row.started_at,
        ended_at=row.ended_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        notified=bool(row.notified),
        data=dict(row.data or {}),
    )
