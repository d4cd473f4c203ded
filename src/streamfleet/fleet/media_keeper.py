"""``MediaKeeper``: a worker writes each channel's media info where API nodes read it.

The worker calls ``sync`` after every follow (each heartbeat, every 2 s, and each
wake-up) with the channels it runs. For each, the engine's latest reading
(``Thumbnailer.media_info``) is written to ``channel_media`` when ``worth_storing`` says
it differs from what this worker wrote under the same lease epoch: a first reading, a
change a viewer would notice, a bitrate that moved by a quarter; never at every tick.
A reading made before this worker took the channel at that epoch (kept in memory from an
earlier run here) is not written: it could hide what another worker measured since.

Each write is made inside ``LeaseBook.fenced(lease)``, like the worker's status writes
(``fleet/fenced_sink.py``): a worker whose lease moved gets ``StaleEpoch`` and writes
nothing (``refused``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.cluster.errors import StaleEpoch
from streamfleet.db.repositories.channel_media import store_media_info
from streamfleet.media.media_info import MediaInfo, worth_storing

log = structlog.get_logger()


@dataclass(slots=True)
class _Kept:
    epoch: int
    since: datetime
    """When this worker first saw the channel as its own at ``epoch``."""
    stored: MediaInfo | None = None
    """The reading last written under ``epoch``."""


class MediaKeeper:
    """``read(slug)``: the engine's latest reading; ``lease_of(channel_id)``: the lease the
    worker runs the channel under; ``now()``: UTC, the clock readings are stamped with."""

    def __init__(
        self,
        book: LeaseBook,
        lease_of: Callable[[int], ChannelLease | None],
        read: Callable[[str], MediaInfo | None],
        now: Callable[[], datetime],
    ) -> None:
        self._book = book
        self._lease_of = lease_of
        self._read = read
        self._now = now
        self._kept: dict[int, _Kept] = {}
        self.written = 0
        self.refused = 0
        """Writes refused because their lease was no longer current."""

    async def sync(self, running: Mapping[int, str]) -> None:
        """``running``: channel id → slug of every channel this worker runs."""
        self._kept = {cid: kept for cid, kept in self._kept.items() if cid in running}
        for channel_id, slug in running.items():
            lease = self._lease_of(channel_id)
            if lease is None:
                continue
            kept = self._kept.get(channel_id)
            if kept is None or kept.epoch != lease.epoch:
                kept = self._kept[channel_id] = _Kept(lease.epoch, self._now())
            current = self._read(slug)
            if current is None or current.measured_at < kept.since:
                continue
            if worth_storing(kept.stored, current):
                await self._store(lease, kept, current)

    async def _store(self, lease: ChannelLease, kept: _Kept, current: MediaInfo) -> None:
        try:
            async with self._book.fenced(lease) as session:
                await store_media_info(
                    session,
                    lease.channel_id,
                    current.to_dict(),
                    worker_id=lease.worker_id,
                    epoch=lease.epoch,
                    at=self._now(),
                )
        except StaleEpoch:
            self.refused += 1
            log.info("fleet.media_info_refused", channel_id=lease.channel_id, epoch=lease.epoch)
            return
        kept.stored = current
        self.written += 1
