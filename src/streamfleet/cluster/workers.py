"""The worker registry: who is in the fleet, with what capacity and labels, and who is alive.

A worker registers at start (a restarted worker with the same id registers again),
heartbeats every ``HEARTBEAT_INTERVAL_S`` (``cluster/heartbeat.py`` does it together
with its lease renewal) and deregisters when it leaves cleanly. A worker is live
while its last heartbeat, by the database's clock, is younger than the TTL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streamfleet.cluster.db_clock import db_now, db_now_minus, require_server_database
from streamfleet.cluster.lease_transaction import lease_transaction
from streamfleet.cluster.timing import LEASE_TTL_S
from streamfleet.db.cluster_models import WorkerRow
from streamfleet.db.session import Database


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """What a worker says about itself when it registers."""

    id: str
    host: str
    capacity: int
    version: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A registered worker as the registry sees it; ``heartbeat_age_s`` by the database's clock."""

    spec: WorkerSpec
    started_at: datetime
    heartbeat_at: datetime
    heartbeat_age_s: float
    draining: bool = False


class WorkerRegistry:
    """Register, heartbeat, deregister and list workers."""

    def __init__(self, database: Database, ttl_s: float = LEASE_TTL_S) -> None:
        self._dialect = require_server_database(database)
        self._sessions = database.sessions
        self._ttl_s = ttl_s

    async def register(self, spec: WorkerSpec) -> None:
        """Add the worker, or refresh its row when it registers again (a restart, or back after
        losing the database): a drain asked for before stays asked for."""
        now = db_now(self._dialect)
        values = {
            "host": spec.host,
            "capacity": spec.capacity,
            "labels": dict(spec.labels),
            "version": spec.version,
            "started_at": now,
            "heartbeat_at": now,
        }
        async with lease_transaction(self._sessions) as session:
            exists = await session.scalar(
                select(WorkerRow.id).where(WorkerRow.id == spec.id).with_for_update()
            )
            if exists is None:
                await session.execute(insert(WorkerRow).values(id=spec.id, **values))
            else:
                await session.execute(
                    _plain(update(WorkerRow).where(WorkerRow.id == spec.id).values(**values))
                )

    async def heartbeat(self, worker_id: str) -> bool:
        """Record a heartbeat; False when the worker is not registered (register again)."""
        async with lease_transaction(self._sessions) as session:
            return await self.heartbeat_in(session, worker_id)

    async def heartbeat_in(self, session: AsyncSession, worker_id: str) -> bool:
        result = await session.execute(
            _plain(
                update(WorkerRow)
                .where(WorkerRow.id == worker_id)
                .values(heartbeat_at=db_now(self._dialect))
            )
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def draining_in(self, session: AsyncSession, worker_id: str) -> bool:
        """Within ``session`` (the heartbeat's): whether the worker is being drained."""
        return bool(
            await session.scalar(select(WorkerRow.draining).where(WorkerRow.id == worker_id))
        )

    async def drain(self, worker_id: str) -> bool:
        """Mark the worker as draining; False when no such worker is registered."""
        async with lease_transaction(self._sessions) as session:
            result = await session.execute(
                _plain(update(WorkerRow).where(WorkerRow.id == worker_id).values(draining=True))
            )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def deregister(self, worker_id: str) -> bool:
        """Remove the worker (after it released its leases); False if it was not registered."""
        async with lease_transaction(self._sessions) as session:
            result = await session.execute(
                _plain(delete(WorkerRow).where(WorkerRow.id == worker_id))
            )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def live(self) -> list[WorkerInfo]:
        """The workers whose last heartbeat is younger than the TTL, in id order."""
        return await self._listed(WorkerRow.heartbeat_at > db_now_minus(self._dialect, self._ttl_s))

    async def all(self) -> list[WorkerInfo]:
        """Every registered worker, live or not, in id order (the Workers view)."""
        return await self._listed()

    async def _listed(self, *where: ColumnElement[bool]) -> list[WorkerInfo]:
        async with lease_transaction(self._sessions) as session:
            result = await session.execute(
                select(WorkerRow, db_now(self._dialect)).where(*where).order_by(WorkerRow.id)
            )
            return [_info(row, now) for row, now in result.all()]


def _info(row: WorkerRow, now: datetime) -> WorkerInfo:
    spec = WorkerSpec(row.id, row.host, row.capacity, row.version, dict(row.labels))
    age_s = max(0.0, (now - row.heartbeat_at).total_seconds())
    return WorkerInfo(spec, row.started_at, row.heartbeat_at, age_s, draining=row.draining)


def _plain(statement: Any) -> Any:
    """An UPDATE or DELETE run as SQL alone: no ORM objects to keep in step (none are loaded)."""
    return statement.execution_options(synchronize_session=False)
