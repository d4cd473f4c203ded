"""A worker's heartbeat: its registry row and all its channel leases renewed in one transaction.

Called every ``HEARTBEAT_INTERVAL_S`` by the worker, through a ``LeaseKeeper``: the
heartbeat and the renewal succeed or fail together, so a worker seen alive by the
placer holds its leases, and one that cannot reach the database loses both at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from streamfleet.cluster.channel_leases import LeaseBook, Renewal
from streamfleet.cluster.lease_transaction import lease_transaction
from streamfleet.cluster.workers import WorkerRegistry
from streamfleet.db.session import Database


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat's outcome: ``registered`` False means the worker row is gone (a restore,
    or it was deregistered): register again. ``renewal`` lists the leases still held."""

    registered: bool
    renewal: Renewal
    draining: bool = False
    """A drain was asked for (``WorkerRegistry.drain``): give the channels away."""


class WorkerHeartbeat:
    def __init__(self, database: Database, registry: WorkerRegistry, book: LeaseBook) -> None:
        self._sessions = database.sessions
        self._registry = registry
        self._book = book

    async def beat(self, worker_id: str) -> Beat:
        async with lease_transaction(self._sessions) as session:
            registered = await self._registry.heartbeat_in(session, worker_id)
            renewal = await self._book.renew_in(session, worker_id)
            draining = await self._registry.draining_in(session, worker_id)
        return Beat(registered, renewal, draining)
