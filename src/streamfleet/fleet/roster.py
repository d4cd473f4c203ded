"""The fleet as the API shows it (``GET /api/v1/workers``) and the drain it asks for.

    roster = Roster(database, channels)
    await roster.workers()       # every registered worker, its channels and drain state
    await roster.drain("w1")     # False: no such worker

``DrainState`` says where a drain stands: ``moving`` (a channel can go somewhere),
``waiting`` (no other worker can take any of its channels: they stay and the drain
waits), ``drained`` (nothing left). On a single ``serve`` (SQLite) there is no fleet:
no workers, and nothing to drain.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass

from streamfleet.cluster.channel_leases import LeaseBook
from streamfleet.cluster.db_clock import SERVER_DIALECTS
from streamfleet.cluster.timing import LEASE_TTL_S
from streamfleet.cluster.workers import WorkerInfo, WorkerRegistry
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.session import Database
from streamfleet.domain.channel import Channel
from streamfleet.domain.profiles import COPY
from streamfleet.fleet.placement import Candidate, next_move, pinned_labels


class DrainState(enum.StrEnum):
    NONE = "none"
    MOVING = "moving"
    WAITING = "waiting"
    DRAINED = "drained"


@dataclass(frozen=True, slots=True)
class WorkerStanding:
    info: WorkerInfo
    channels: list[Channel]
    drain: DrainState

    @property
    def live(self) -> bool:
        return self.info.heartbeat_age_s < LEASE_TTL_S

    @property
    def load(self) -> float:
        """Channels held over capacity (0 for a worker of no capacity)."""
        capacity = self.info.spec.capacity
        return len(self.channels) / capacity if capacity > 0 else 0.0


class Roster:
    def __init__(self, database: Database, channels: ChannelRepository) -> None:
        self._fleet = database.dialect in SERVER_DIALECTS
        self._registry = WorkerRegistry(database) if self._fleet else None
        self._book = LeaseBook(database) if self._fleet else None
        self._channels = channels

    async def workers(self) -> list[WorkerStanding]:
        if self._registry is None or self._book is None:
            return []
        registered = await self._registry.all()
        holders = await self._book.holders()
        stored = {c.id: c for c in await self._channels.by_ids(list(holders))}
        load = Counter(holders.values())
        candidates = [Candidate.of(w) for w in registered if w.heartbeat_age_s < LEASE_TTL_S]
        standings = []
        for info in registered:
            mine = sorted(
                (stored[cid] for cid, worker in holders.items() if worker == info.spec.id),
                key=lambda channel: channel.id,
            )
            standings.append(WorkerStanding(info, mine, _drain_state(info, mine, candidates, load)))
        return standings

    async def drain(self, worker_id: str) -> bool:
        """Ask ``worker_id`` to drain; False when no such worker is registered."""
        return self._registry is not None and await self._registry.drain(worker_id)


def _drain_state(
    info: WorkerInfo, channels: list[Channel], candidates: list[Candidate], load: Counter[str]
) -> DrainState:
    if not info.draining:
        return DrainState.NONE
    if not channels:
        return DrainState.DRAINED
    mine = [(c.id, c.profile != COPY) for c in channels]
    pins = {c.id: pinned for c in channels if (pinned := pinned_labels(c.tags))}
    if next_move(mine, info.spec.id, candidates, load, pins) is None:
        return DrainState.WAITING
    return DrainState.MOVING
