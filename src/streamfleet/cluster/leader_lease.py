"""A named leader lease: exactly one process at a time runs a fleet-wide job.

One row per job name (``placer``, ``alerts``, ``outbox``, ``retention`` …) in
``leader_leases``, with the same fencing as a channel lease: ``epoch`` grows at
every takeover, writes the leader makes for its job go through ``fenced(term)``,
and expiry is decided by the database's clock. Each step is one conditional
``UPDATE``, atomic on its row: of two processes acquiring an expired lease at once,
the second finds it no longer expired and gets ``None``.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streamfleet.cluster.db_clock import db_now, db_now_plus, require_server_database
from streamfleet.cluster.fencing import assert_current_in, fenced_transaction
from streamfleet.cluster.lease_rows import insert_missing
from streamfleet.cluster.lease_transaction import lease_transaction
from streamfleet.cluster.timing import LEASE_TTL_S
from streamfleet.db.cluster_models import MAX_LEADER_NAME_LENGTH, LeaderLeaseRow
from streamfleet.db.session import Database

Row = LeaderLeaseRow

PLACER: Final = "placer"
ALERTS: Final = "alerts"
OUTBOX: Final = "outbox"
BACKUPS: Final = "backups"
EXPORTS: Final = "exports"
RETENTION: Final = "retention"


@dataclass(frozen=True, slots=True)
class LeaderTerm:
    """One holder's term as leader of ``name``; ``epoch`` fences the leader's writes."""

    name: str
    holder: str
    epoch: int
    expires_at: datetime


class LeaderLease:
    """Acquire, renew, release and fence the lease called ``name``."""

    def __init__(self, database: Database, name: str, ttl_s: float = LEASE_TTL_S) -> None:
        if not 0 < len(name) <= MAX_LEADER_NAME_LENGTH:
            raise ValueError(f"a leader lease name has 1 to {MAX_LEADER_NAME_LENGTH} characters")
        self._dialect = require_server_database(database)
        self._sessions = database.sessions
        self.ttl_s = ttl_s
        self.name = name
        self._row_seen = False
        """Whether the last ``acquire`` found the lease's row (it need not be inserted)."""

    async def acquire(self, holder: str) -> LeaderTerm | None:
        """Become leader when the lease is free or expired (a new epoch); when ``holder``
        already leads, extend its term (same epoch). ``None`` while someone else leads.

        The lease's row is inserted when it was not seen at the last call (the first, or
        after a restore emptied the table): a steady leader's round is one transaction."""
        if not self._row_seen:
            rows = [{"name": self.name, "epoch": 0}]
            await insert_missing(self._sessions, self._dialect, Row, rows)
        now = db_now(self._dialect)
        async with lease_transaction(self._sessions) as session:
            taken = await self._update(
                session,
                or_(Row.expires_at.is_(None), Row.expires_at <= now),
                holder=holder,
                epoch=Row.epoch + 1,
            )
            if not taken:
                await self._update(session, Row.holder == holder, Row.expires_at > now)
            row = await session.scalar(select(Row).where(Row.name == self.name))
        self._row_seen = row is not None
        return _term(row) if row is not None and row.holder == holder else None

    async def renew(self, term: LeaderTerm) -> LeaderTerm | None:
        """Extend ``term``; ``None`` when it has expired or another holder took over."""
        async with lease_transaction(self._sessions) as session:
            renewed = await self._update(session, *self._is_current(term))
            return await self._term_in(session, term.holder) if renewed else None

    async def release(self, term: LeaderTerm) -> bool:
        """Step down; the next ``acquire`` by anyone succeeds at once. False if not held."""
        async with lease_transaction(self._sessions) as session:
            result = await session.execute(
                update(Row)
                .where(Row.name == term.name, Row.holder == term.holder, Row.epoch == term.epoch)
                .values(holder=None, expires_at=None)
                .execution_options(synchronize_session=False)
            )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def holder(self) -> LeaderTerm | None:
        """The current, unexpired term, if anyone leads."""
        async with lease_transaction(self._sessions) as session:
            row = await session.scalar(
                select(Row).where(Row.name == self.name, Row.expires_at > db_now(self._dialect))
            )
        return _term(row) if row is not None and row.holder is not None else None

    async def assert_current(self, term: LeaderTerm) -> None:
        """Raise ``StaleEpoch`` unless ``term`` is the lease's current, unexpired term."""
        async with lease_transaction(self._sessions) as session:
            await assert_current_in(session, self._current(term), _stale(term))

    def fenced(self, term: LeaderTerm) -> AbstractAsyncContextManager[AsyncSession]:
        """A transaction for the leader's write that commits only while ``term`` is current."""
        return fenced_transaction(self._sessions, self._current(term), _stale(term))

    async def _update(self, session: AsyncSession, *where: Any, **values: Any) -> bool:
        result = await session.execute(
            update(Row)
            .where(Row.name == self.name, *where)
            .values(expires_at=db_now_plus(self._dialect, self.ttl_s), **values)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def _term_in(self, session: AsyncSession, holder: str) -> LeaderTerm | None:
        row = await session.scalar(select(Row).where(Row.name == self.name, Row.holder == holder))
        return _term(row) if row is not None else None

    def _is_current(self, term: LeaderTerm) -> tuple[Any, ...]:
        return (
            Row.name == term.name,
            Row.holder == term.holder,
            Row.epoch == term.epoch,
            Row.expires_at > db_now(self._dialect),
        )

    def _current(self, term: LeaderTerm) -> Select[Any]:
        return select(Row.name).where(*self._is_current(term))


def _term(row: LeaderLeaseRow) -> LeaderTerm:
    assert row.holder is not None
    assert row.expires_at is not None
    return LeaderTerm(row.name, row.holder, row.epoch, row.expires_at)


def _stale(term: LeaderTerm) -> str:
    return f"leader lease {term.name}: the term of {term.holder} at epoch {term.epoch} is over"
