"""The channel event history: status changes written by the engine, read by the API.

``EventRepository`` satisfies the engine's ``StatusSink`` protocol
(``async def record(self, change: StatusChanged) -> None``): one transaction
writes the event row and the channel's observed status columns together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import structlog
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.models import MAX_REASON_LENGTH, ChannelEventRow, ChannelRow
from streamfleet.db.repositories.page import Page
from streamfleet.db.session import transaction
from streamfleet.domain.channel_event import STATUS_EVENT_TYPE, ChannelEvent
from streamfleet.domain.channel_move import MOVE_EVENT_TYPE, ChannelMoved
from streamfleet.domain.status import ENDS_INCIDENT, Status, StatusChanged, StatusPoint

MAX_WORKER_LENGTH: Final = 64

log = structlog.get_logger()


class EventRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, change: StatusChanged) -> None:
        """Store one status change."""
        await self.record_status(change)

    async def record_all(self, changes: Sequence[StatusChanged]) -> None:
        """``StatusSink``: store status changes in order, in one transaction of three
        statements (an import of a thousand channels queues a thousand of them at once):
        the channels that still exist, their latest status, the event rows."""
        if not changes:
            return
        async with transaction(self._sessions) as session:
            await write_changes(session, changes)

    async def record_status(self, change: StatusChanged) -> ChannelEvent | None:
        """Write the event row and the channel's status columns in one transaction.

        A change for a channel that no longer exists (deleted while its runner
        stopped) is dropped and ``None`` returned.
        """
        async with transaction(self._sessions) as session:
            row = await _write_status(session, change)
            return _event(row) if row is not None else None

    async def record_move(self, move: ChannelMoved) -> ChannelEvent | None:
        """Store a move between workers; ``None`` when the channel no longer exists."""
        async with transaction(self._sessions) as session:
            if await session.get(ChannelRow, move.channel_id) is None:
                return None
            row = ChannelEventRow(
                channel_id=move.channel_id,
                at=move.at,
                type=MOVE_EVENT_TYPE,
                reason=move.reason.value,
                worker=move.to_worker[:MAX_WORKER_LENGTH],
                data=move.as_data(),
            )
            session.add(row)
            await session.flush()
            return _event(row)

    async def settled_since(self, channel_id: int, after_id: int, worker: str) -> bool:
        """Whether ``worker`` wrote a status past ``starting`` for the channel after event
        ``after_id`` (a moved channel runs on its new worker, or failed there)."""
        settled = [s.value for s in Status if s not in (Status.STARTING, Status.STOPPED)]
        async with transaction(self._sessions) as session:
            found = await session.scalar(
                select(ChannelEventRow.id)
                .where(
                    ChannelEventRow.channel_id == channel_id,
                    ChannelEventRow.id > after_id,
                    ChannelEventRow.type == STATUS_EVENT_TYPE,
                    ChannelEventRow.worker == worker,
                    ChannelEventRow.to_status.in_(settled),
                )
                .limit(1)
            )
        return found is not None

    async def status_history(
        self, channel_id: int, window_from: datetime, window_until: datetime
    ) -> list[StatusPoint]:
        """Status changes up to ``window_until``, oldest first, starting at the last change
        that ended an incident before ``window_from`` (so an incident running into the
        window has its real start). Rows naming no known status are left out."""
        base = (ChannelEventRow.channel_id == channel_id) & (
            ChannelEventRow.type == STATUS_EVENT_TYPE
        )
        ends_incident = [s.value for s in sorted(ENDS_INCIDENT)]
        async with transaction(self._sessions) as session:
            start = await session.scalar(
                select(func.max(ChannelEventRow.at))
                .where(base, ChannelEventRow.at < window_from)
                .where(ChannelEventRow.to_status.in_(ends_incident))
            )
            query = select(ChannelEventRow).where(base, ChannelEventRow.at <= window_until)
            if start is not None:
                query = query.where(ChannelEventRow.at >= start)
            rows = await session.scalars(query.order_by(ChannelEventRow.at, ChannelEventRow.id))
            points = [(r, _status(r.to_status)) for r in rows]
            return [StatusPoint(r.at, s, r.reason) for r, s in points if s is not None]

    async def list_page(
        self,
        *,
        channel_id: int | None = None,
        type: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[ChannelEvent]:
        """Events newest first; ``since`` is inclusive, ``until`` exclusive."""
        conditions: list[ColumnElement[bool]] = []
        if channel_id is not None:
            conditions.append(ChannelEventRow.channel_id == channel_id)
        if type:
            conditions.append(ChannelEventRow.type == type)
        if since is not None:
            conditions.append(ChannelEventRow.at >= since)
        if until is not None:
            conditions.append(ChannelEventRow.at < until)
        async with transaction(self._sessions) as session:
            total = await session.scalar(
                select(func.count()).select_from(ChannelEventRow).where(*conditions)
            )
            rows = await session.scalars(
                select(ChannelEventRow)
                .where(*conditions)
                .order_by(ChannelEventRow.at.desc(), ChannelEventRow.id.desc())
                .limit(limit)
                .offset(offset)
            )
            items = [_event(row) for row in rows]
        return Page(items, int(total or 0), limit, offset)


async def _write_status(session: AsyncSession, change: StatusChanged) -> ChannelEventRow | None:
    """The channel's status columns and its event row; ``None`` when the channel is gone."""
    reason = change.reason[:MAX_REASON_LENGTH]
    result = await session.execute(
        update(ChannelRow)
        .where(ChannelRow.id == change.channel_id)
        .values(status=change.to_status.value, status_since=change.at, status_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) == 0:
        log.info("channel.event_dropped", channel_id=change.channel_id, why="no channel")
        return None
    row = _event_row(change)
    session.add(row)
    await session.flush()
    return row


def _event_row(change: StatusChanged) -> ChannelEventRow:
    return ChannelEventRow(
        channel_id=change.channel_id,
        at=change.at,
        type=STATUS_EVENT_TYPE,
        from_status=change.from_status.value,
        to_status=change.to_status.value,
        reason=change.reason[:MAX_REASON_LENGTH],
        worker=change.worker[:MAX_WORKER_LENGTH],
        data={"event": change.event.value},
    )


def _event(row: ChannelEventRow) -> ChannelEvent:
    return ChannelEvent(
        id=row.id,
        channel_id=row.channel_id,
        at=row.at,
        type=row.type,
        from_status=_status(row.from_status),
        to_status=_status(row.to_status),
        reason=row.reason,
        worker=row.worker,
        data=dict(row.data or {}),
    )


def _status(value: str | None) -> Status | None:
    """A stored status name as the enum; ``None`` for none or a name this version does not know."""
    try:
        return Status(value) if value else None
    except ValueError:
        return None


async def write_changes(session: AsyncSession, changes: Sequence[StatusChanged]) -> None:
    """Within ``session``: the channels that still exist, their latest status, the event rows
    (``record_all``; a fleet worker calls it inside the transaction that fences its epoch)."""
    if not changes:
        return
    wanted = {change.channel_id for change in changes}
    existing = set(await session.scalars(select(ChannelRow.id).where(ChannelRow.id.in_(wanted))))
    for channel_id in sorted(wanted - existing):
        log.info("channel.event_dropped", channel_id=channel_id, why="no channel")
    kept = [change for change in changes if change.channel_id in existing]
    if not kept:
        return
    latest = {change.channel_id: change for change in kept}
    await session.execute(
        update(ChannelRow),
        [
            {
                "id": channel_id,
                "status": change.to_status.value,
                "status_since": change.at,
                "status_reason": change.reason[:MAX_REASON_LENGTH],
            }
            for channel_id, change in latest.items()
        ],
    )
    session.add_all([_event_row(change) for change in kept])
    await session.flush()
