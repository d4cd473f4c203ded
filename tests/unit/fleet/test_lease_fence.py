"""``LeaseFence`` answers from the last renewal and the monotonic clock, never from a query."""

from __future__ import annotations

from datetime import UTC, datetime

from streamfleet.cluster.channel_leases import ChannelLease
from streamfleet.fleet.lease_fence import HOLD_S, LeaseFence


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lease(channel_id: int, epoch: int) -> ChannelLease:
    return ChannelLease(channel_id, "w1", epoch, datetime(2026, 12, 4, tzinfo=UTC))


def test_hold_is_the_keepers_deadline_ttl_less_two_heartbeats() -> None:
    assert HOLD_S == 6.0


def test_an_epoch_is_current_while_the_last_renewal_held_it_and_is_recent() -> None:
    clock = Clock()
    fence = LeaseFence(lambda cid: None, clock=clock)
    assert not fence.is_current(1, 4)  # nothing renewed yet
    fence.confirm({1: lease(1, 4)}, sent_at=100.0)
    assert fence.is_current(1, 4)
    assert not fence.is_current(1, 3)  # an older epoch of the same channel
    assert not fence.is_current(2, 4)
    assert not fence.is_current(1, None)
    clock.now = 100.0 + HOLD_S - 0.01
    assert fence.is_current(1, 4)
    clock.now = 100.0 + HOLD_S  # frozen (SIGSTOP) or silent past the keeper's deadline
    assert not fence.is_current(1, 4)


def test_a_renewal_without_the_channel_or_a_clear_ends_it_at_once() -> None:
    clock = Clock()
    fence = LeaseFence(lambda cid: None, clock=clock)
    fence.confirm({1: lease(1, 4), 2: lease(2, 9)}, sent_at=100.0)
    fence.confirm({2: lease(2, 9)}, sent_at=102.0)
    assert not fence.is_current(1, 4)
    assert fence.is_current(2, 9)
    fence.clear()
    assert not fence.is_current(2, 9)


def test_the_answer_to_an_older_renewal_does_not_replace_a_newer_one() -> None:
    clock = Clock()
    fence = LeaseFence(lambda cid: None, clock=clock)
    fence.confirm({1: lease(1, 4)}, sent_at=102.0)
    fence.confirm({}, sent_at=101.0)  # sent earlier, answered later
    assert fence.is_current(1, 4)


def test_the_epoch_a_channel_runs_under_is_the_lease_it_was_started_with() -> None:
    running = {1: lease(1, 4)}
    fence = LeaseFence(running.get)
    assert fence.epoch_of(1) == 4
    assert fence.epoch_of(2) is None
