"""Channel leases: which worker runs which channel, with an epoch that fences every write.

``LeaseBook`` is the worker's side of ownership. A lease row per channel holds the
worker, the epoch and the expiry; the epoch grows at every claim and never goes
back, so it orders the holders of a channel and is the fencing token carried by
every write made for it (``fenced``). Expiry is decided by the database's clock
(``db_clock``).

Claims lock rows with plain ``FOR UPDATE SKIP LOCKED`` on the one table
``channel_leases``: concurrent claimers pass over each other's rows instead of
waiting, and never get the same channel. Plain, without ``OF``: SQLAlchemy drops
``FOR UPDATE OF`` on MariaDB, and with one table in the query there is nothing else
to lock. Which channels are enabled is read before, without locks, so API writes to
``channels`` never wait for a claim.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streamfleet.cluster.db_clock import db_now, db_now_plus, require_server_database
from streamfleet.cluster.fencing import assert_current_in, fenced_transaction
from streamfleet.cluster.lease_rows import insert_missing
from streamfleet.cluster.lease_transaction import lease_transaction
from streamfleet.cluster.timing import LEASE_TTL_S
from streamfleet.db.cluster_models import ChannelLeaseRow
from streamfleet.db.models import ChannelRow
from streamfleet.db.session import Database

Lease = ChannelLeaseRow


@dataclass(frozen=True, slots=True)
class ChannelLease:
    """A worker's hold on one channel: ``epoch`` is the fencing token of its writes."""

    channel_id: int
    worker_id: str
    epoch: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Renewal:
    """What a renewal found: the leases the worker still holds, by channel."""

    held: Mapping[int, ChannelLease]

    def lost(self, mine: Mapping[int, int]) -> set[int]:
        """The channels of ``mine`` (channel → epoch the worker runs it under) it no longer
        holds at that epoch: expired, released, or taken by another claim."""
        return {
            channel_id
            for channel_id, epoch in mine.items()
            if (lease := self.held.get(channel_id)) is None or lease.epoch != epoch
        }


class LeaseBook:
    """Claim, renew, release and fence channel leases (PostgreSQL, MySQL 8, MariaDB 10.6+)."""

    def __init__(self, database: Database, ttl_s: float = LEASE_TTL_S) -> None:
        self._dialect = require_server_database(database)
        self._sessions = database.sessions
        self._ttl_s = ttl_s

    async def claim(self, worker_id: str, limit: int) -> list[ChannelLease]:
        """Take up to ``limit`` enabled channels that are unleased or whose lease expired."""
        if limit <= 0:
            return []
        wanted = await self._enabled_channels()
        await self._ensure_rows(wanted)
        if not wanted:
            return []
        async with lease_transaction(self._sessions) as session:
            free = (
                select(Lease.channel_id)
                .where(self._free(), Lease.channel_id.in_(wanted))
                .order_by(Lease.channel_id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            channel_ids = list(await session.scalars(free))
            return await self._take(session, channel_ids, worker_id)

    async def claim_specific(self, channel_id: int, worker_id: str) -> ChannelLease | None:
        """Take ``channel_id`` if it is unleased or expired (the placer chose this worker);
        ``None`` when someone holds it or is claiming it right now."""
        await self._ensure_rows([channel_id])
        async with lease_transaction(self._sessions) as session:
            free = (
                select(Lease.channel_id)
                .where(Lease.channel_id == channel_id, self._free())
                .with_for_update(skip_locked=True)
            )
            taken = await self._take(session, list(await session.scalars(free)), worker_id)
        return taken[0] if taken else None

    async def renew(self, worker_id: str) -> Renewal:
        """Extend every unexpired lease of ``worker_id`` in one statement; see ``renew_in``."""
        async with lease_transaction(self._sessions) as session:
            return await self.renew_in(session, worker_id)

    async def renew_in(self, session: AsyncSession, worker_id: str) -> Renewal:
        """Within ``session``: one UPDATE extends all leases ``worker_id`` still holds; an expired
        one is not extended (it may already have been promised elsewhere): it is lost."""
        now = db_now(self._dialect)
        await session.execute(
            _plain(
                update(Lease)
                .where(Lease.worker_id == worker_id, Lease.expires_at > now)
                .values(expires_at=db_now_plus(self._dialect, self._ttl_s))
            )
        )
        rows = await session.scalars(
            select(Lease).where(Lease.worker_id == worker_id, Lease.expires_at > now)
        )
        return Renewal({row.channel_id: _lease(row) for row in rows})

    async def release(self, lease: ChannelLease) -> bool:
        """Give ``lease`` up (after its FFmpeg stopped); False when it was no longer held."""
        async with lease_transaction(self._sessions) as session:
            result = await session.execute(_free_row(update(Lease).where(*_is(lease))))
        return _rowcount(result) == 1

    async def release_all(self, worker_id: str) -> int:
        """Give up every lease of ``worker_id`` (a worker leaving cleanly); how many."""
        async with lease_transaction(self._sessions) as session:
            result = await session.execute(
                _free_row(update(Lease).where(Lease.worker_id == worker_id))
            )
        return _rowcount(result)

    async def hand_over(self, lease: ChannelLease, worker_id: str) -> ChannelLease | None:
        """Give ``lease``'s channel to ``worker_id`` at the next epoch, the TTL running (a move:
        its FFmpeg here has stopped); ``None`` when ``lease`` was no longer current."""
        async with lease_transaction(self._sessions) as session:
            result = await session.execute(
                _plain(
                    update(Lease)
                    .where(*_is(lease), Lease.expires_at > db_now(self._dialect))
                    .values(
                        worker_id=worker_id,
                        epoch=Lease.epoch + 1,
                        expires_at=db_now_plus(self._dialect, self._ttl_s),
                        claimed_at=db_now(self._dialect),
                    )
                )
            )
            if _rowcount(result) != 1:
                return None
            row = await session.scalar(select(Lease).where(Lease.channel_id == lease.channel_id))
            return _lease(row) if row is not None else None

    async def expired_holders(self, channel_ids: Sequence[int]) -> dict[int, str]:
        """Who last held each of ``channel_ids`` whose lease expired without being given back
        (its worker was lost), by channel id."""
        if not channel_ids:
            return {}
        async with lease_transaction(self._sessions) as session:
            rows = await session.execute(
                select(Lease.channel_id, Lease.worker_id).where(
                    Lease.channel_id.in_(channel_ids),
                    Lease.worker_id.is_not(None),
                    Lease.expires_at <= db_now(self._dialect),
                )
            )
            return {channel_id: worker_id for channel_id, worker_id in rows.all() if worker_id}

    async def holders(self) -> dict[int, str]:
        """Who holds each channel whose lease is unexpired, by channel id (the placer's view)."""
        async with lease_transaction(self._sessions) as session:
            rows = await session.execute(
                select(Lease.channel_id, Lease.worker_id).where(
                    Lease.worker_id.is_not(None), Lease.expires_at > db_now(self._dialect)
                )
            )
            return {channel_id: worker_id for channel_id, worker_id in rows.all() if worker_id}

    async def unheld_enabled(self) -> list[int]:
        """The enabled channels nobody holds under an unexpired lease, by id (what the placer
        has to place; in a steady fleet none)."""
        held = select(Lease.channel_id).where(
            Lease.worker_id.is_not(None), Lease.expires_at > db_now(self._dialect)
        )
        async with lease_transaction(self._sessions) as session:
            return list(
                await session.scalars(
                    select(ChannelRow.id)
                    .where(ChannelRow.enabled, ChannelRow.id.not_in(held))
                    .order_by(ChannelRow.id)
                )
            )

    async def holder(self, channel_id: int) -> str | None:
        """Who holds ``channel_id`` under an unexpired lease; ``None``: nobody."""
        async with lease_transaction(self._sessions) as session:
            return await session.scalar(
                select(Lease.worker_id).where(
                    Lease.channel_id == channel_id,
                    Lease.worker_id.is_not(None),
                    Lease.expires_at > db_now(self._dialect),
                )
            )

    async def assert_current(self, lease: ChannelLease) -> None:
        """Raise ``StaleEpoch`` unless ``lease`` is the channel's current, unexpired lease."""
        async with lease_transaction(self._sessions) as session:
            await assert_current_in(session, self._current(lease), _stale(lease))

    def fenced(self, lease: ChannelLease) -> AbstractAsyncContextManager[AsyncSession]:
        """A transaction for a write about ``lease``'s channel that commits only while the lease
        is current: ``StaleEpoch`` before anything is written otherwise."""
        return fenced_transaction(self._sessions, self._current(lease), _stale(lease))

    async def _enabled_channels(self) -> list[int]:
        async with lease_transaction(self._sessions) as session:
            return list(await session.scalars(select(ChannelRow.id).where(ChannelRow.enabled)))

    async def _ensure_rows(self, channel_ids: Sequence[int]) -> None:
        if not channel_ids:
            return
        async with lease_transaction(self._sessions) as session:
            existing = set(
                await session.scalars(
                    select(Lease.channel_id).where(Lease.channel_id.in_(channel_ids))
                )
            )
        missing = [{"channel_id": c, "epoch": 0} for c in channel_ids if c not in existing]
        await insert_missing(self._sessions, self._dialect, Lease, missing)

    async def _take(
        self, session: AsyncSession, channel_ids: list[int], worker_id: str
    ) -> list[ChannelLease]:
        """Within the claim's transaction (the rows are locked): bump the epochs and take them."""
        if not channel_ids:
            return []
        await session.execute(
            _plain(
                update(Lease)
                .where(Lease.channel_id.in_(channel_ids))
                .values(
                    worker_id=worker_id,
                    epoch=Lease.epoch + 1,
                    expires_at=db_now_plus(self._dialect, self._ttl_s),
                    claimed_at=db_now(self._dialect),
                )
            )
        )
        rows = await session.scalars(
            select(Lease).where(Lease.channel_id.in_(channel_ids)).order_by(Lease.channel_id)
        )
        return [_lease(row) for row in rows]

    def _free(self) -> Any:
        return or_(Lease.expires_at.is_(None), Lease.expires_at <= db_now(self._dialect))

    def _current(self, lease: ChannelLease) -> Select[Any]:
        return select(Lease.channel_id).where(*_is(lease), Lease.expires_at > db_now(self._dialect))


def _is(lease: ChannelLease) -> tuple[Any, ...]:
    return (
        Lease.channel_id == lease.channel_id,
        Lease.worker_id == lease.worker_id,
        Lease.epoch == lease.epoch,
    )


def _free_row(statement: Any) -> Any:
    return _plain(statement.values(worker_id=None, expires_at=None))


def _plain(statement: Any) -> Any:
    """An UPDATE run as SQL alone: no ORM objects to keep in step (none are loaded)."""
    return statement.execution_options(synchronize_session=False)


def _stale(lease: ChannelLease) -> str:
    return (
        f"channel {lease.channel_id}: the lease of worker {lease.worker_id} "
        f"at epoch {lease.epoch} is no longer current"
    )


def _lease(row: ChannelLeaseRow) -> ChannelLease:
    assert row.worker_id is not None
    assert row.expires_at is not None
    return ChannelLease(row.channel_id, row.worker_id, row.epoch, row.expires_at)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
