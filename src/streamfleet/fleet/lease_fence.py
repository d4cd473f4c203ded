"""``LeaseFence``: a worker's ``OutputFence``, answered from its last lease renewal (no I/O).

The worker tells it what each renewal found (``confirm(held, sent_at)``, ``sent_at`` read
on the monotonic clock *before* the renewal was sent) and when it gave everything up
(``clear()``). An epoch is current while the last renewal held the channel at that epoch
and less than ``hold_s`` has passed since that renewal was sent: TTL - 2 heartbeats (6 s),
the keeper's own deadline (``cluster/keeper.py``), so the answer turns False while the lease
is still this worker's by at least two heartbeats. A worker frozen by SIGSTOP counts the
frozen time too (the monotonic clock runs on), so on waking its publisher refuses before
anything has been asked of the database.

The epoch a channel runs under (``epoch_of``) is the one the worker started it with.
It relies on the lease book's rule that nobody claims a held, unexpired lease: a channel
moves after its lease expired (this fence closed 4 s before) or after this worker released
it (having stopped the channel first).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from streamfleet.cluster.channel_leases import ChannelLease
from streamfleet.cluster.timing import HEARTBEAT_INTERVAL_S, LEASE_TTL_S, SAFETY_INTERVALS

HOLD_S = LEASE_TTL_S - SAFETY_INTERVALS * HEARTBEAT_INTERVAL_S
"""How long after a renewal was sent its leases still count as current here, in seconds."""


class LeaseFence:
    def __init__(
        self,
        running: Callable[[int], ChannelLease | None],
        *,
        hold_s: float = HOLD_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._running = running
        self._hold_s = hold_s
        self._clock = clock
        self._epochs: dict[int, int] = {}
        self._until = float("-inf")
        self._sent_at = float("-inf")

    def confirm(self, held: Mapping[int, ChannelLease], sent_at: float) -> None:
        """A renewal sent at ``sent_at`` (``clock()``) answered that ``held`` is this worker's.
        An answer to a renewal sent before the last one confirmed is older news: ignored."""
        if sent_at < self._sent_at:
            return
        self._sent_at = sent_at
        self._epochs = {channel_id: lease.epoch for channel_id, lease in held.items()}
        self._until = sent_at + self._hold_s

    def clear(self) -> None:
        """Renewals failed until the deadline: nothing is current any more."""
        self._epochs = {}
        self._until = float("-inf")

    def epoch_of(self, channel_id: int) -> int | None:
        lease = self._running(channel_id)
        return None if lease is None else lease.epoch

    def is_current(self, channel_id: int, epoch: int | None) -> bool:
        return (
            epoch is not None
            and self._epochs.get(channel_id) == epoch
            and self._clock() < self._until
        )
