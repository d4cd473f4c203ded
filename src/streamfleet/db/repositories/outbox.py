"""The notification outbox: rows written before sending, claimed, attempted, settled.

A sender *claims* a due row by setting ``locked_until`` with a conditional
UPDATE (works the same on SQLite, PostgreSQL and MySQL), so two senders never
send one row at once, and a crashed sender's claim simply runs out. Delivery
is at least once.

In a fleet only the holder of the ``outbox`` leader lease sends: it opens the repository
with ``writes`` = transactions fenced by its term, so a claim or a settled attempt of a
holder whose term is over is refused by the database (``StaleEpoch``), and rolled back; the
``alerts`` leader enqueues the same way, under its own term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.alert_models import (
    MAX_ERROR_LENGTH,
    NotificationAttemptRow,
    NotificationRow,
    NotificationTargetRow,
)
from streamfleet.db.repositories.alerts import mark_notified
from streamfleet.db.repositories.page import Page
from streamfleet.db.repositories.targets import TargetRecord, target_record
from streamfleet.db.session import Transactions, transaction
from streamfleet.domain.errors import Conflict, NotFound

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    at: datetime
    ok: bool
    error: str | None
    status_code: int | None


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    id: int
    target_id: int
    target_name: str
    event: str
    alert_ids: list[int]
    payload: dict[str, Any]
    state: str
    attempts: int
    max_attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptRecord] | None = None
    """Filled only by ``get(..., with_attempts=True)``."""


@dataclass(frozen=True, slots=True)
class NewNotification:
    target_id: int
    event: str
    alert_ids: list[int]
    payload: dict[str, Any]
    max_attempts: int


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed row and the target to send it to."""

    notification: NotificationRecord
    target: TargetRecord


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    ok: bool
    error: str | None = None
    status_code: int | None = None
    retry_at: datetime | None = None
    """When to try again after a failure; ``None`` marks the row failed."""


class OutboxRepository:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, writes: Transactions | None = None
    ) -> None:
        self._sessions = sessions
        self._writes: Transactions = writes or (lambda: transaction(sessions))

    def fenced(self, writes: Transactions) -> OutboxRepository:
        """The same outbox, with the sender's writes in ``writes`` (a leader's fenced ones)."""
        return OutboxRepository(self._sessions, writes=writes)

    async def enqueue(
        self,
        items: Sequence[NewNotification],
        now: datetime,
        *,
        notified: Sequence[int] = (),
        folded: dict[int, int] | None = None,
    ) -> list[NotificationRecord]:
        """Write ``items`` as pending rows and mark ``notified`` alerts, in one transaction."""
        async with self._writes() as session:
            rows = [
                NotificationRow(
                    target_id=item.target_id,
                    event=item.event,
                    alert_ids=list(item.alert_ids),
                    payload=item.payload,
                    state=PENDING,
                    attempts=0,
                    max_attempts=item.max_attempts,
                    next_attempt_at=now,
                    created_at=now,
                )
                for item in items
            ]
            session.add_all(rows)
            await mark_notified(session, notified, folded or {})
            await session.flush()
            names = await _target_names(session, {r.target_id for r in rows})
            return [_record(row, names.get(row.target_id, "")) for row in rows]

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
        """Claim up to ``limit`` pending rows that are due and not claimed by anyone."""
        free = or_(NotificationRow.locked_until.is_(None), NotificationRow.locked_until < now)
        async with transaction(self._sessions) as session:
            ids = list(
                await session.scalars(
                    select(NotificationRow.id)
                    .where(NotificationRow.state == PENDING, NotificationRow.next_attempt_at <= now)
                    .where(free)
                    .order_by(NotificationRow.next_attempt_at, NotificationRow.id)
                    .limit(limit)
                )
            )
        return [c for c in [await self.claim(i, now, lease) for i in ids] if c is not None]

    async def claim(self, notification_id: int, now: datetime, lease: timedelta) -> Claimed | None:
        """Claim one pending row whatever its ``next_attempt_at``; ``None`` if taken or settled."""
        free = or_(NotificationRow.locked_until.is_(None), NotificationRow.locked_until < now)
        async with self._writes() as session:
            result = await session.execute(
                update(NotificationRow)
                .where(NotificationRow.id == notification_id, NotificationRow.state == PENDING)
                .where(free)
                .values(locked_until=now + lease)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                return None
            row = await session.get(NotificationRow, notification_id)
            target = await session.get(NotificationTargetRow, row.target_id) if row else None
            if row is None or target is None:
                return None
            return Claimed(_record(row, target.name), target_record(target))

    async def record_attempt(
        self, notification_id: int, at: datetime, outcome: AttemptOutcome
    ) -> NotificationRecord:
        """Store one attempt and settle the row: delivered, pending again, or failed."""
        error = outcome.error[:MAX_ERROR_LENGTH] if outcome.error else None
        async with self._writes() as session:
            row = await _row(session, notification_id)
            session.add(
                NotificationAttemptRow(
                    notification_id=notification_id,
                    at=at,
                    ok=outcome.ok,
                    error=error,
                    status_code=outcome.status_code,
                )
            )
            row.attempts += 1
            row.locked_until = None
            if outcome.ok:
                row.state, row.delivered_at, row.next_attempt_at = DELIVERED, at, None
            else:
                row.last_error = error
                if outcome.retry_at is not None and row.attempts < row.max_attempts:
                    row.next_attempt_at = outcome.retry_at
                else:
                    row.state, row.next_attempt_at = FAILED, None
            await session.flush()
            names = await _target_names(session, {row.target_id})
            return _record(row, names.get(row.target_id, ""))

    async def release(self, notification_ids: Sequence[int]) -> None:
        """Give up claims without an attempt (the sender is shutting down)."""
        if not notification_ids:
            return
        async with self._writes() as session:
            await session.execute(
                update(NotificationRow)
                .where(NotificationRow.id.in_(notification_ids))
                .values(locked_until=None)
                .execution_options(synchronize_session=False)
            )

    async def next_due_at(self, now: datetime) -> datetime | None:
        """The earliest ``next_attempt_at`` of pending rows nobody has claimed."""
        free = or_(NotificationRow.locked_until.is_(None), NotificationRow.locked_until < now)
        async with transaction(self._sessions) as session:
            return await session.scalar(
                select(func.min(NotificationRow.next_attempt_at)).where(
                    NotificationRow.state == PENDING, free
                )
            )

    async def retry(
        self, notification_id: int, now: datetime, extra_attempts: int
    ) -> NotificationRecord:
        """Put a failed row back to pending with ``extra_attempts`` more tries."""
        async with transaction(self._sessions) as session:
            row = await _row(session, notification_id)
            if row.state != FAILED:
                raise Conflict(f"notification {notification_id} is {row.state}, not failed")
            row.state = PENDING
            row.max_attempts = row.attempts + extra_attempts
            row.next_attempt_at = now
            row.locked_until = None
            await session.flush()
            names = await _target_names(session, {row.target_id})
            return _record(row, names.get(row.target_id, ""))

    async def get(self, notification_id: int, *, with_attempts: bool = False) -> NotificationRecord:
        async with transaction(self._sessions) as session:
            row = await _row(session, notification_id)
            names = await _target_names(session, {row.target_id})
            log = None
            if with_attempts:
                attempts = await session.scalars(
                    select(NotificationAttemptRow)
                    .where(NotificationAttemptRow.notification_id == notification_id)
                    .order_by(NotificationAttemptRow.at, NotificationAttemptRow.id)
                )
                log = [AttemptRecord(a.at, bool(a.ok), a.error, a.status_code) for a in attempts]
            return _record(row, names.get(row.target_id, ""), log)

    async def list_page(
        self,
        *,
        state: str | None = None,
        target_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[NotificationRecord]:
        """Rows newest first."""
        conditions: list[ColumnElement[bool]] = []
        if state:
            conditions.append(NotificationRow.state == state)
        if target_id is not None:
            conditions.append(NotificationRow.target_id == target_id)
        async with transaction(self._sessions) as session:
            total = await session.scalar(
                select(func.count()).select_from(NotificationRow).where(*conditions)
            )
            rows = list(
                await session.scalars(
                    select(NotificationRow)
                    .where(*conditions)
                    .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
                    .limit(limit)
                    .offset(offset)
                )
            )
            names = await _target_names(session, {r.target_id for r in rows})
            items = [_record(row, names.get(row.target_id, "")) for row in rows]
        return Page(items, int(total or 0), limit, offset)

    async def count_by_state(self) -> dict[str, int]:
        async with transaction(self._sessions) as session:
            rows = await session.execute(
                select(NotificationRow.state, func.count()).group_by(NotificationRow.state)
            )
            return {str(state): int(n) for state, n in rows.all()}


async def _row(session: AsyncSession, notification_id: int) -> NotificationRow:
    row = await session.get(NotificationRow, notification_id)
    if row is None:
        raise NotFound(f"notification {notification_id} does not exist")
    return row


async def _target_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(NotificationTargetRow.id, NotificationTargetRow.name).where(
            NotificationTargetRow.id.in_(ids)
        )
    )
    return {int(i): str(n) for i, n in rows.all()}


def _record(
    row: NotificationRow, target_name: str, log: list[AttemptRecord] | None = None
) -> NotificationRecord:
    return NotificationRecord(
        id=row.id,
        target_id=row.target_id,
        target_name=target_name,
        event=row.event,
        alert_ids=[int(i) for i in row.alert_ids or ()],
        payload=dict(row.payload or {}),
        state=row.state,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        attempt_log=log,
    )
