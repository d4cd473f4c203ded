"""Storm folding: grouped messages, flap folding, recoveries only for what was notified."""

from __future__ import annotations

from streamfleet.alerts.grouping import Batch, NotificationPlanner
from streamfleet.alerts.kinds import NotificationEvent

OPENED, RESOLVED = NotificationEvent.OPENED, NotificationEvent.RESOLVED


def planner(window_s: float = 5, quiet_s: float = 900) -> NotificationPlanner:
    return NotificationPlanner(window_s, quiet_s)


def test_ten_channels_lost_together_give_one_batch_once_no_more_are_expected() -> None:
    p = planner()
    for i in range(10):
        p.opened(i, f"ch{i}", 100 + i * 0.3)
        assert p.tick(100 + i * 0.3, more_expected=i < 9) == (
            [] if i < 9 else [Batch(OPENED, tuple(range(10)), {})]
        )
    assert p.tick(200) == []


def test_a_single_lost_channel_is_sent_at_once() -> None:
    p = planner()
    p.opened(1, "news", 100)
    assert p.tick(100) == [Batch(OPENED, (1,))]


def test_openings_wait_for_expected_ones_at_most_the_window() -> None:
    p = planner()
    p.opened(1, "a", 100)
    assert p.next_deadline() == 105
    assert p.tick(104.9, more_expected=True) == []
    assert p.tick(105, more_expected=True) == [Batch(OPENED, (1,))]


def test_a_zero_window_sends_at_the_next_tick() -> None:
    p = planner(window_s=0)
    p.opened(1, "news", 10)
    assert p.tick(10) == [Batch(OPENED, (1,))]


def test_alerts_after_the_window_closed_go_in_the_next_batch() -> None:
    p = planner()
    p.opened(1, "a", 0)
    assert p.tick(5, more_expected=True) == [Batch(OPENED, (1,))]
    p.opened(2, "b", 6)
    assert p.tick(11, more_expected=True) == [Batch(OPENED, (2,))]


def test_recovery_is_sent_only_for_notified_alerts() -> None:
    p = planner(quiet_s=0)
    p.opened(1, "a", 0)
    p.tick(5)
    p.resolved(1, 20)
    p.resolved(99, 20)
    assert p.tick(25) == [Batch(RESOLVED, (1,))]


def test_an_alert_that_opens_and_resolves_within_the_window_sends_nothing() -> None:
    p = planner()
    p.opened(1, "a", 0)
    assert p.tick(1, more_expected=True) == []
    p.resolved(1, 2)
    assert p.next_deadline() is None
    assert p.tick(100) == []


def test_recoveries_within_the_window_are_grouped() -> None:
    p = planner(quiet_s=0)
    for i in range(3):
        p.opened(i, f"ch{i}", 0)
    p.tick(5)
    for i in range(3):
        p.resolved(i, 50 + i)
    assert p.tick(55) == [Batch(RESOLVED, (0, 1, 2))]


def test_a_flapping_channel_is_notified_once_per_quiet_period_with_the_folded_count() -> None:
    p = planner(window_s=0, quiet_s=900)
    p.opened(1, "news", 0)
    assert p.tick(0) == [Batch(OPENED, (1,))]
    p.resolved(1, 30)
    assert p.tick(30) == [Batch(RESOLVED, (1,))]
    for n, t in enumerate(range(60, 600, 60), start=2):
        p.opened(n, "news", t)
        assert p.is_folded(n)
        p.resolved(n, t + 20)
        assert p.tick(t + 20) == []
    p.opened(50, "news", 1000)
    assert p.tick(1000) == [Batch(OPENED, (50,), {50: 9})]


def test_a_folded_alert_still_open_when_the_quiet_period_ends_is_sent_then() -> None:
    p = planner(window_s=0, quiet_s=100)
    p.opened(1, "news", 0)
    p.tick(0)
    p.resolved(1, 10)
    p.tick(10)
    p.opened(2, "news", 20)
    assert p.tick(50) == []
    assert p.next_deadline() == 100
    assert p.tick(100) == [Batch(OPENED, (2,), {2: 1})]


def test_the_resolution_of_a_folded_alert_is_not_sent() -> None:
    p = planner(window_s=0, quiet_s=100)
    p.opened(1, "news", 0)
    p.tick(0)
    p.opened(2, "news", 10)
    p.resolved(2, 20)
    assert p.tick(200) == []


def test_folding_is_per_channel() -> None:
    p = planner(window_s=0, quiet_s=100)
    p.opened(1, "a", 0)
    p.tick(0)
    p.opened(2, "b", 10)
    assert p.tick(10) == [Batch(OPENED, (2,))]


def test_alerts_notified_before_a_restart_still_get_their_recovery() -> None:
    p = planner(window_s=0)
    p.restore_notified([(7, "news")])
    p.resolved(7, 5)
    assert p.tick(5) == [Batch(RESOLVED, (7,))]
