"""The placer: one process of the fleet (the holder of the ``placer`` leader lease) gives
every enabled channel that nobody holds to a live worker.

Every worker runs a ``Placer``; each round (every ``PLACE_INTERVAL_S``, or at once when
nudged) it acquires or renews the ``placer`` lease, and only the holder goes on: once
one query of ids found an enabled channel nobody holds (none, in a steady fleet), it
reads the live workers, who holds what, and the enabled channels, decides with
``placement.place`` and takes each chosen lease *in the chosen worker's name*
(``LeaseBook.claim_specific(channel, worker)``: a new epoch, the TTL running). The
worker finds the lease among those its next heartbeat renews (``Renewal.held``), or at
once from the wake-up sent here, and starts the channel. A worker that never picks it up
(it died just now) lets it expire, and the channel is placed again.

``claim_specific`` takes only a free or expired lease, with ``SKIP LOCKED``: two placers
overlapping for a moment (a term that ended during a round) cannot give one channel to
two workers, only place it twice in a row, the second claim finding it held.

A channel placed after its lease expired in another worker's name moved because that
worker was lost: the move is recorded (``MoveLog``, reason ``worker lost``). Draining
workers get nothing (``placement.place``).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Final

import structlog

from streamfleet.cluster.channel_leases import LeaseBook
from streamfleet.cluster.keeper import RENEWAL_FAILURES
from streamfleet.cluster.leader_lease import PLACER, LeaderLease
from streamfleet.cluster.workers import WorkerRegistry
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.domain.channel import Channel
from streamfleet.domain.channel_move import ChannelMoved, MoveReason
from streamfleet.domain.errors import StreamfleetError
from streamfleet.domain.profiles import COPY
from streamfleet.fleet.moves import MoveLog
from streamfleet.fleet.placement import Candidate, pinned_labels, place
from streamfleet.fleet.wakeups import WakeAction, Wakeup, Wakeups

PLACE_INTERVAL_S: Final = 0.5
"""How often the placer looks for channels nobody holds (and renews its own lease)."""
PLACER_TTL_S: Final = 4.0
"""The placer's lease lives shorter than a channel's (10 s): when the worker that places
dies, another takes placement over before that worker's channel leases expire, and the
channels move as soon as they are free. Two placers for a moment are harmless (see above)."""

log = structlog.get_logger()


class Placer:
    def __init__(
        self,
        holder: str,
        leader: LeaderLease,
        registry: WorkerRegistry,
        book: LeaseBook,
        channels: ChannelRepository,
        wakeups: Wakeups | None,
        moves: MoveLog | None = None,
    ) -> None:
        if leader.name != PLACER:
            raise ValueError(f"the placer runs on the {PLACER!r} lease, not {leader.name!r}")
        self._holder = holder
        self._leader = leader
        self._registry = registry
        self._book = book
        self._channels = channels
        self._wakeups = wakeups
        self._moves = moves
        self._nudged = asyncio.Event()
        self.leading = False

    def nudge(self) -> None:
        """Look now (a channel was created or enabled), not at the next round."""
        self._nudged.set()

    async def run(self) -> None:
        while True:
            self._nudged.clear()
            try:
                self.leading = await self._leader.acquire(self._holder) is not None
                if self.leading:
                    await self.place_once()
            except (*RENEWAL_FAILURES, StreamfleetError) as exc:  # the next round tries again
                self.leading = False
                log.warning("fleet.placer_failed", error=type(exc).__name__, detail=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), PLACE_INTERVAL_S)

    async def release(self) -> None:
        """Step down (a worker leaving cleanly), so another worker places at once."""
        term = await self._leader.holder()
        if term is not None and term.holder == self._holder:
            await self._leader.release(term)
        self.leading = False

    async def place_once(self) -> dict[int, str]:
        """One round: the channels placed, channel id → worker id."""
        if not await self._book.unheld_enabled():  # the steady round: one query, ids only
            return {}
        holders = await self._book.holders()
        unheld = {
            channel.id: channel
            for channel in await self._channels.all(enabled_only=True)
            if channel.id not in holders
        }
        if not unheld:
            return {}
        orphans = [(cid, channel.profile != COPY) for cid, channel in unheld.items()]
        pins = {cid: pinned for cid, c in unheld.items() if (pinned := pinned_labels(c.tags))}
        lost_by = await self._book.expired_holders(list(unheld))
        load: dict[str, int] = {}
        for worker_id in holders.values():
            load[worker_id] = load.get(worker_id, 0) + 1
        candidates = [Candidate.of(w) for w in await self._registry.live()]
        placed: dict[int, str] = {}
        for channel_id, worker_id in place(orphans, candidates, load, pins).items():
            if (lease := await self._book.claim_specific(channel_id, worker_id)) is not None:
                placed[channel_id] = worker_id
                log.info("fleet.channel_placed", channel_id=channel_id, worker=worker_id)
                previous = lost_by.get(channel_id)
                if previous is not None and previous != worker_id:
                    await self._record_lost(unheld[channel_id], previous, worker_id, lease.epoch)
        if placed and self._wakeups is not None:
            self._wakeups.send(Wakeup(WakeAction.PLACE))
        return placed

    async def _record_lost(self, channel: Channel, lost: str, worker_id: str, epoch: int) -> None:
        if self._moves is not None:
            move = ChannelMoved(
                channel.id, datetime.now(UTC), lost, worker_id, MoveReason.WORKER_LOST, epoch
            )
            await self._moves.record(move, channel.slug)
