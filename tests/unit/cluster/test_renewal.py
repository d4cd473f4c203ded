"""``Renewal.lost``: which of the channels a worker runs it no longer holds at its epoch."""

from __future__ import annotations

from datetime import UTC, datetime

from streamfleet.cluster.channel_leases import ChannelLease, Renewal

T0 = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


def held(*pairs: tuple[int, int]) -> Renewal:
    return Renewal({c: ChannelLease(c, "w1", epoch, T0) for c, epoch in pairs})


def test_a_channel_still_held_at_the_same_epoch_is_not_lost() -> None:
    assert held((1, 3), (2, 5)).lost({1: 3, 2: 5}) == set()


def test_a_channel_missing_from_the_renewal_is_lost() -> None:
    assert held((1, 3)).lost({1: 3, 2: 5}) == {2}


def test_a_channel_held_again_at_another_epoch_is_lost_for_the_old_one() -> None:
    """The worker re-claimed it after expiry: what it runs under epoch 3 must stop."""
    assert held((1, 4)).lost({1: 3}) == {1}


def test_leases_the_worker_does_not_run_yet_are_not_reported() -> None:
    assert held((1, 3), (9, 1)).lost({1: 3}) == set()
