"""``Drain``: a worker gives its channels away, one at a time, when it is drained or holds
more than its capacity.

    drain = Drain(worker, registry, book, moves, wakeups)
    await drain.run()     # a task of the worker, next to its heartbeat and placer

A drain is asked for in the database (``WorkerRegistry.drain``, by ``streamfleet worker
drain`` or ``POST /api/v1/workers/{id}/drain``); the worker learns it from its heartbeat.
The placer then gives it nothing new (``placement.place`` skips draining workers), and
each round here moves at most one channel:

1. ``next_move`` picks the channel and the least-loaded eligible other worker; when no
   worker can take any of them the drain waits (``waiting``) and tries again next round;
2. the channel's FFmpeg stops here (``worker.let_go``: reaped, its lease still ours, so
   nobody else can start it yet: never two writers);
3. ``LeaseBook.hand_over`` gives the lease to the chosen worker at the next epoch, a
   wake-up tells it at once, and the move is recorded (``MoveLog``, reason ``drained``);
4. the next channel moves only once this one has settled on its new worker (a status past
   ``starting`` written there), or after ``SETTLE_LIMIT_S``.

A worker over its capacity (it came back with a smaller one) moves the excess the same
way, with the reason ``over capacity``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Protocol

import structlog

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.cluster.keeper import RENEWAL_FAILURES
from streamfleet.cluster.workers import WorkerRegistry, WorkerSpec
from streamfleet.domain.channel import Channel
from streamfleet.domain.channel_move import ChannelMoved, MoveReason
from streamfleet.domain.errors import StreamfleetError
from streamfleet.domain.profiles import COPY
from streamfleet.fleet.moves import MoveLog
from streamfleet.fleet.placement import Candidate, next_move, pinned_labels
from streamfleet.fleet.wakeups import WakeAction, Wakeup, Wakeups

DRAIN_INTERVAL_S: Final = 0.5
"""How often a draining worker looks whether it can move its next channel."""
SETTLE_LIMIT_S: Final = 20.0
"""The longest a move waits for the moved channel to settle before the next one starts."""

log = structlog.get_logger()


class Drainable(Protocol):
    """What ``Drain`` needs of the worker (``FleetWorker``)."""

    spec: WorkerSpec
    draining: bool

    def running_leases(self) -> Mapping[int, ChannelLease]: ...

    def config(self, channel_id: int) -> Channel | None: ...

    async def let_go(self, channel_id: int) -> ChannelLease | None: ...


@dataclass(frozen=True, slots=True)
class _Settling:
    move: ChannelMoved
    event_id: int
    deadline: float


class Drain:
    def __init__(
        self,
        worker: Drainable,
        registry: WorkerRegistry,
        book: LeaseBook,
        moves: MoveLog,
        wakeups: Wakeups | None,
    ) -> None:
        self._worker = worker
        self._registry = registry
        self._book = book
        self._moves = moves
        self._wakeups = wakeups
        self._settling: _Settling | None = None
        self._stopped: tuple[ChannelLease, Channel] | None = None
        """A channel stopped here whose hand-over failed (the database): handed over first."""
        self.waiting = False
        """True while a move is due but no other worker can take any of the channels."""
        self.moved = 0

    async def run(self) -> None:
        while True:
            try:
                await self.step()
            except (*RENEWAL_FAILURES, StreamfleetError) as exc:  # the next round tries again
                log.warning("fleet.drain_failed", error=type(exc).__name__, detail=str(exc))
            await asyncio.sleep(DRAIN_INTERVAL_S)

    async def step(self) -> ChannelMoved | None:
        """One round: at most one channel moved (returned)."""
        if self._settling is not None:
            settling = self._settling
            settled = await self._moves.settled(settling.move, settling.event_id)
            if not settled and time.monotonic() < settling.deadline:
                return None
            self._settling = None
        reason = self._reason()
        if reason is None and self._stopped is None:
            self.waiting = False
            return None
        target = await self._target()
        self.waiting = target is None
        if target is None:
            return None
        channel_id, to_worker = target
        if self._stopped is None:
            config = self._worker.config(channel_id)
            stopped = await self._worker.let_go(channel_id) if config is not None else None
            if config is None or stopped is None:
                return None
            self._stopped = (stopped, config)
        lease, channel = self._stopped
        return await self._hand_over(lease, channel, to_worker, reason or MoveReason.DRAINED)

    def _reason(self) -> MoveReason | None:
        if self._worker.draining:
            return MoveReason.DRAINED if self._worker.running_leases() else None
        over = len(self._worker.running_leases()) > self._worker.spec.capacity
        return MoveReason.OVER_CAPACITY if over else None

    async def _target(self) -> tuple[int, str] | None:
        """The channel to move next (the one already stopped, if any) and where to."""
        if self._stopped is not None:
            configs = [self._stopped[1]]
        else:
            configs = [
                config
                for cid in self._worker.running_leases()
                if (config := self._worker.config(cid)) is not None
            ]
        mine = [(c.id, c.profile != COPY) for c in configs]
        pins = {c.id: pinned for c in configs if (pinned := pinned_labels(c.tags))}
        load = Counter((await self._book.holders()).values())
        candidates = [Candidate.of(w) for w in await self._registry.live()]
        return next_move(mine, self._worker.spec.id, candidates, load, pins)

    async def _hand_over(
        self, lease: ChannelLease, channel: Channel, to_worker: str, reason: MoveReason
    ) -> ChannelMoved | None:
        taken = await self._book.hand_over(lease, to_worker)
        self._stopped = None
        if taken is None:  # expired meanwhile: the placer gives it a worker
            log.warning("fleet.move_lost_lease", channel_id=lease.channel_id)
            return None
        if self._wakeups is not None:
            self._wakeups.send(Wakeup(WakeAction.PLACE))
        move = ChannelMoved(
            channel.id, datetime.now(UTC), self._worker.spec.id, to_worker, reason, taken.epoch
        )
        event_id = await self._moves.record(move, channel.slug)
        if event_id is not None:
            self._settling = _Settling(move, event_id, time.monotonic() + SETTLE_LIMIT_S)
        self.moved += 1
        return move
