"""The status sink of a worker: each channel's changes are written under its lease's epoch.

A worker records a channel's status only inside ``LeaseBook.fenced(lease)``: the
transaction first proves, with a shared lock held until commit, that this worker still
holds the channel at that epoch. A worker that lost the channel (it was frozen, cut off
from the database, or the placer gave the channel to another worker after its lease
expired) gets ``StaleEpoch`` and writes nothing: the new owner's status stands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby

import structlog

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.cluster.errors import StaleEpoch
from streamfleet.db.repositories.events import write_changes
from streamfleet.domain.status import StatusChanged

log = structlog.get_logger()


class FencedStatusSink:
    """``StatusSink`` over ``book``; ``lease_of(channel_id)`` is the lease the worker runs it
    under (``None``: it holds none, and the change is not written)."""

    def __init__(self, book: LeaseBook, lease_of: Callable[[int], ChannelLease | None]) -> None:
        self._book = book
        self._lease_of = lease_of
        self.refused = 0
        """Changes refused because their lease was no longer current."""

    async def record_all(self, changes: Sequence[StatusChanged]) -> None:
        ordered = sorted(changes, key=lambda change: change.channel_id)  # stable: keeps order
        for channel_id, group in groupby(ordered, key=lambda change: change.channel_id):
            batch = list(group)
            lease = self._lease_of(channel_id)
            if lease is None:
                self._refuse(channel_id, batch, "no lease")
                continue
            try:
                async with self._book.fenced(lease) as session:
                    await write_changes(session, batch)
            except StaleEpoch:
                self._refuse(channel_id, batch, f"stale epoch {lease.epoch}")

    def _refuse(self, channel_id: int, batch: list[StatusChanged], why: str) -> None:
        self.refused += len(batch)
        log.info("fleet.status_refused", channel_id=channel_id, changes=len(batch), why=why)
