"""The alert rules, driven by envelopes and a hand-moved clock."""

from __future__ import annotations

from typing import Any

import pytest

from streamfleet.alerts.kinds import Rule, Severity
from streamfleet.alerts.rules import (
    AlertKey,
    AlertOpened,
    AlertResolved,
    ChannelInfo,
    Outcome,
    RuleEngine,
    RuleSettings,
    event_time,
)
from streamfleet.domain.channel import Channel
from streamfleet.events.envelope import Envelope, EventType

NEWS = ChannelInfo(slug="news", id=1, name="News", tags=("news",), offline_grace_s=10)
SETTINGS = RuleSettings(degraded_after_s=30, content_after_s=5, flap_threshold=3, flap_window_s=600)


def status(status: str, at: float, frm: str = "", reason: str = "", slug: str = "news") -> Envelope:
    data: dict[str, Any] = {"status": status, "from": frm, "since": at, "reason": reason}
    return Envelope(EventType.STATUS, slug, data, ts=at)


def content(check: str, state: str, at: float, slug: str = "news") -> Envelope:
    return Envelope(EventType.CONTENT, slug, {"check": check, "state": state, "at": at}, ts=at)


def engine(*channels: ChannelInfo) -> RuleEngine:
    return RuleEngine(SETTINGS, channels or (NEWS,))


def opened(outcomes: list[Outcome]) -> list[AlertOpened]:
    return [o for o in outcomes if isinstance(o, AlertOpened)]


def resolved(outcomes: list[Outcome]) -> list[AlertResolved]:
    return [o for o in outcomes if isinstance(o, AlertResolved)]


def test_offline_shorter_than_the_grace_period_opens_nothing() -> None:
    rules = engine()
    rules.observe(status("online", 0), 0)
    assert rules.observe(status("offline", 100, "online"), 100) == []
    assert rules.tick(109.9) == []
    assert rules.observe(status("online", 105, "offline"), 105) == []
    assert rules.tick(200) == []


def test_offline_longer_than_the_grace_period_opens_a_critical_alert_dated_at_the_loss() -> None:
    rules = engine()
    rules.observe(status("online", 0), 0)
    rules.observe(status("offline", 100, "online", reason="no progress for 1.2 s"), 100)
    assert rules.next_deadline() == 110
    [alert] = opened(rules.tick(110))
    assert alert.key == AlertKey("news", Rule.OFFLINE)
    assert alert.severity is Severity.CRITICAL
    assert alert.started_at == 100
    assert alert.summary == "News (news) is offline: no progress for 1.2 s"
    assert alert.channel == NEWS
    assert rules.tick(120) == []


def test_recovery_resolves_the_offline_alert_at_the_time_it_came_back() -> None:
    rules = engine()
    rules.observe(status("offline", 0, "online"), 0)
    rules.tick(11)
    [done] = resolved(rules.observe(status("online", 30, "offline"), 31))
    assert done == AlertResolved(AlertKey("news", Rule.OFFLINE), 30, "recovered")


def test_a_restart_attempt_while_offline_does_not_restart_the_grace_clock() -> None:
    rules = engine()
    rules.observe(status("offline", 0, "online"), 0)
    rules.observe(status("starting", 6, "offline"), 6)
    rules.observe(status("offline", 8, "starting"), 8)
    [alert] = opened(rules.tick(10))
    assert alert.started_at == 0


def test_a_channel_started_from_stopped_that_fails_counts_from_its_first_offline() -> None:
    rules = engine()
    rules.observe(status("starting", 0, "stopped"), 0)
    rules.observe(status("offline", 15, "starting"), 15)
    assert rules.tick(24) == []
    [alert] = opened(rules.tick(25))
    assert alert.started_at == 15


def test_a_late_envelope_opens_the_alert_at_once_when_the_grace_is_already_over() -> None:
    rules = engine()
    [alert] = opened(rules.observe(status("offline", 0, "online"), 12))
    assert alert.started_at == 0


def test_the_grace_period_is_the_channels_own() -> None:
    quick = ChannelInfo(slug="quick", offline_grace_s=2)
    rules = engine(NEWS, quick)
    rules.observe(status("offline", 0, "online", slug="quick"), 0)
    rules.observe(status("offline", 0, "online"), 0)
    assert [a.key.subject for a in opened(rules.tick(2))] == ["quick"]


def test_stopping_a_channel_resolves_its_alerts_and_opens_none() -> None:
    rules = engine()
    rules.observe(status("offline", 0, "online"), 0)
    rules.tick(11)
    [done] = resolved(rules.observe(status("stopped", 20, "offline"), 20))
    assert done.reason == "stopped"
    assert rules.tick(1000) == []
    assert rules.next_deadline() is None


def test_a_queued_channel_is_not_down_and_never_alerts() -> None:
    """Waiting for capacity is not an outage: no alert however long it waits."""
    rules = engine()
    rules.observe(status("queued", 0, "stopped", reason="waiting for a free slot"), 0)
    assert rules.tick(10_000) == []
    assert rules.next_deadline() is None
    rules.observe(status("starting", 10_000, "queued"), 10_000)
    assert rules.tick(20_000) == []


def test_an_error_channel_restarted_into_the_queue_resolves_its_alert_and_opens_none() -> None:
    rules = engine()
    rules.observe(status("error", 0, "starting"), 0)
    assert opened(rules.tick(10))
    [done] = resolved(rules.observe(status("queued", 20, "error"), 20))
    assert done.reason == "queued"
    assert rules.tick(1000) == []


def test_error_counts_as_down() -> None:
    rules = engine()
    rules.observe(status("error", 0, "starting"), 0)
    [alert] = opened(rules.tick(10))
    assert alert.summary == "News (news) is error"


def test_degraded_longer_than_the_set_time_opens_a_warning_and_recovery_resolves_it() -> None:
    rules = engine()
    rules.observe(status("degraded", 0, "online", reason="speed 0.8"), 0)
    assert rules.tick(29) == []
    [alert] = opened(rules.tick(30))
    assert (alert.rule, alert.severity) == (Rule.DEGRADED, Severity.WARNING)
    [done] = resolved(rules.observe(status("online", 40, "degraded"), 40))
    assert done.key.rule is Rule.DEGRADED


def test_degraded_then_offline_resolves_degraded_and_starts_the_offline_clock() -> None:
    rules = engine()
    rules.observe(status("degraded", 0, "online"), 0)
    rules.tick(30)
    out = rules.observe(status("offline", 35, "degraded"), 35)
    assert [r.key.rule for r in resolved(out)] == [Rule.DEGRADED]
    assert [a.rule for a in opened(rules.tick(45))] == [Rule.OFFLINE]


def test_more_than_n_losses_within_m_minutes_is_flapping() -> None:
    rules = engine()
    t = 0.0
    out: list[Outcome] = []
    for _ in range(4):
        rules.observe(status("online", t, "starting"), t)
        out += rules.observe(status("offline", t + 1, "online"), t + 1)
        t += 60
    [alert] = opened(out)
    assert alert.rule is Rule.FLAPPING
    assert alert.started_at == 1
    assert alert.data["losses"] == 4


def test_exactly_n_losses_is_not_flapping() -> None:
    rules = engine()
    out: list[Outcome] = []
    for i in range(3):
        rules.observe(status("online", i * 60, "starting"), i * 60)
        out += rules.observe(status("offline", i * 60 + 1, "online"), i * 60 + 1)
    assert opened(out) == []


def test_losses_spread_wider_than_the_window_are_not_flapping() -> None:
    rules = engine()
    out: list[Outcome] = []
    for i in range(6):
        t = i * 300.0
        rules.observe(status("online", t, "offline"), t)
        out += rules.observe(status("offline", t + 1, "online"), t + 1)
        out += rules.observe(status("online", t + 2, "offline"), t + 2)
    assert [a for a in opened(out) if a.rule is Rule.FLAPPING] == []


def test_flapping_resolves_after_a_whole_window_without_a_loss() -> None:
    rules = engine()
    for i in range(4):
        rules.observe(status("online", i * 10, "offline"), i * 10)
        rules.observe(status("offline", i * 10 + 1, "online"), i * 10 + 1)
    rules.observe(status("online", 35, "offline"), 35)
    assert rules.next_deadline() == 31 + 600
    assert rules.tick(630) == []
    [done] = resolved(rules.tick(631))
    assert (done.key.rule, done.ended_at) == (Rule.FLAPPING, 631)


def test_a_restart_counter_while_offline_is_not_flapping() -> None:
    rules = engine()
    rules.observe(status("offline", 0, "online"), 0)
    out: list[Outcome] = []
    for i in range(10):
        out += rules.observe(status("starting", i * 5 + 1, "offline"), i * 5 + 1)
        out += rules.observe(status("offline", i * 5 + 3, "starting"), i * 5 + 3)
    assert [a.rule for a in opened(out)] == [Rule.OFFLINE]


@pytest.mark.parametrize(
    ("check", "rule"),
    [
        ("black", Rule.CONTENT_BLACK),
        ("freeze", Rule.CONTENT_FREEZE),
        ("silence", Rule.CONTENT_SILENCE),
    ],
)
def test_an_enabled_content_check_lasting_long_enough_opens_its_alert(
    check: str, rule: Rule
) -> None:
    info = ChannelInfo(slug="news", content_checks=("black", "freeze", "silence"))
    rules = engine(info)
    rules.observe(status("online", 0, "starting"), 0)
    rules.observe(content(check, "start", 10), 10)
    [alert] = opened(rules.tick(15))
    assert alert.rule is rule
    [done] = resolved(rules.observe(content(check, "end", 20), 20))
    assert done.key.rule is rule


def test_a_content_check_the_channel_has_not_enabled_is_ignored() -> None:
    rules = engine(ChannelInfo(slug="news", content_checks=("silence",)))
    rules.observe(status("online", 0, "starting"), 0)
    rules.observe(content("black", "start", 1), 1)
    assert rules.tick(100) == []


def test_a_content_problem_shorter_than_the_set_time_opens_nothing() -> None:
    rules = engine(ChannelInfo(slug="news", content_checks=("black",)))
    rules.observe(status("online", 0, "starting"), 0)
    rules.observe(content("black", "start", 1), 1)
    rules.observe(content("black", "end", 3), 3)
    assert rules.tick(100) == []


def test_going_offline_resolves_content_alerts() -> None:
    rules = engine(ChannelInfo(slug="news", content_checks=("freeze",)))
    rules.observe(status("online", 0, "starting"), 0)
    rules.observe(content("freeze", "start", 1), 1)
    rules.tick(6)
    out = rules.observe(status("offline", 7, "online"), 7)
    assert [r.key.rule for r in resolved(out)] == [Rule.CONTENT_FREEZE]


def test_deleting_a_channel_resolves_its_open_alerts() -> None:
    rules = engine()
    rules.observe(status("offline", 0, "online"), 0)
    rules.tick(10)
    deleted = Envelope(EventType.CHANNEL_DELETED, "news", {"id": 1}, ts=12)
    [done] = resolved(rules.observe(deleted, 12))
    assert done.reason == "channel deleted"


def test_a_channel_update_changes_the_grace_period() -> None:
    rules = engine()
    news = Channel(
        id=1, slug="news", name="News", input_url="udp://239.0.0.1:1", offline_grace_s=30
    )
    rules.set_channel(ChannelInfo.from_channel(news), 0)
    rules.observe(status("offline", 0, "online"), 0)
    assert rules.tick(29) == []
    assert len(opened(rules.tick(30))) == 1


def test_an_alert_restored_after_a_restart_is_resolved_by_recovery() -> None:
    rules = engine()
    rules.restore(AlertKey("news", Rule.OFFLINE), 0)
    rules.observe(status("starting", 50, "stopped"), 50)
    [done] = resolved(rules.observe(status("online", 52, "starting"), 52))
    assert done.key == AlertKey("news", Rule.OFFLINE)


def test_worker_lost_opens_at_once_and_worker_back_resolves_it() -> None:
    rules = engine()
    [alert] = opened(rules.worker_lost("w2", 5, "no heartbeat for 15 s"))
    assert alert.key == AlertKey("worker:w2", Rule.WORKER_LOST)
    assert (alert.severity, alert.channel) == (Severity.CRITICAL, None)
    assert rules.worker_lost("w2", 6) == []
    assert [r.key.rule for r in resolved(rules.worker_back("w2", 9))] == [Rule.WORKER_LOST]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12.5, 12.5),
        ("1970-01-01T00:00:10Z", 10.0),
        ("1970-01-01T00:00:10.500+00:00", 10.5),
        ("1970-01-01T00:00:10", 10.0),
        ("garbage", 99.0),
        (None, 99.0),
        (True, 99.0),
    ],
)
def test_event_times_are_read_from_unix_seconds_or_iso_text(value: object, expected: float) -> None:
    assert event_time(value, 99.0) == expected


def test_channels_down_inside_their_grace_are_pending() -> None:
    rules = engine(NEWS, ChannelInfo(slug="sport", offline_grace_s=30))
    rules.observe(status("offline", 0, "online"), 0)
    rules.observe(status("offline", 0, "online", slug="sport"), 0)
    assert rules.pending_offline() == 2
    rules.tick(10)
    assert rules.pending_offline() == 1
    rules.observe(status("online", 12, "offline", slug="sport"), 12)
    assert rules.pending_offline() == 0
