"""Notification wording and the JSON alert list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streamfleet.alerts.kinds import NotificationEvent, Rule, Severity
from streamfleet.alerts.messages import AlertSnapshot, format_duration, render, render_test

T0 = datetime(2026, 11, 24, 19, 45, 0, 123000, tzinfo=UTC)


def offline(i: int, ended: datetime | None = None) -> AlertSnapshot:
    return AlertSnapshot(
        id=i,
        rule=Rule.OFFLINE,
        severity=Severity.CRITICAL,
        summary=f"Ch {i} (ch{i}) is offline: timeout",
        started_at=T0,
        ended_at=ended,
        channel={"id": i, "slug": f"ch{i}", "name": f"Ch {i}", "tags": ["news"]},
        data={"resolve_reason": "recovered"} if ended else {},
    )


def test_one_alert_is_titled_with_its_severity_and_summary() -> None:
    msg = render(NotificationEvent.OPENED, [offline(1)], T0 + timedelta(seconds=12))
    assert msg.title == "[CRITICAL] Ch 1 (ch1) is offline: timeout"
    assert msg.text == "- Ch 1 (ch1) is offline: timeout (since 19:45:00Z)"
    [alert] = msg.alerts
    assert alert["duration_s"] == 12.0
    assert alert["state"] == "open"
    assert alert["started_at"] == "2026-11-24T19:45:00.123Z"


def test_ten_channels_offline_are_one_message_listing_them_all() -> None:
    msg = render(NotificationEvent.OPENED, [offline(i) for i in range(10)], T0)
    assert msg.title == "[CRITICAL] 10 channels offline"
    assert msg.text.count("\n") == 9
    assert [a["channel"]["slug"] for a in msg.alerts] == [f"ch{i}" for i in range(10)]


def test_mixed_rules_are_counted_in_the_title_under_the_highest_severity() -> None:
    degraded = AlertSnapshot(2, Rule.DEGRADED, Severity.WARNING, "x is degraded", T0)
    msg = render(NotificationEvent.OPENED, [degraded, offline(1)], T0)
    assert msg.title == "[CRITICAL] 2 alerts: 1 degraded, 1 offline"


def test_a_recovery_says_how_long_the_outage_lasted() -> None:
    end = T0 + timedelta(seconds=83)
    msg = render(NotificationEvent.RESOLVED, [offline(1, end)], end)
    assert msg.title == "[RESOLVED] Ch 1 (ch1): offline resolved"
    assert msg.text == "- Ch 1 (ch1): offline resolved after 1m 23s (recovered)"
    assert msg.alerts[0]["ended_at"] == "2026-11-24T19:46:23.123Z"


def test_folded_flaps_are_mentioned_and_counted() -> None:
    msg = render(NotificationEvent.OPENED, [offline(1)], T0, folded={1: 7})
    assert "(7 alerts folded since the last message)" in msg.text
    assert msg.alerts[0]["folded_flaps"] == 7


def test_a_worker_alert_has_no_channel() -> None:
    lost = AlertSnapshot(
        3, Rule.WORKER_LOST, Severity.CRITICAL, "worker w2 lost", T0, data={"worker": "w2"}
    )
    msg = render(NotificationEvent.OPENED, [lost, lost], T0)
    assert msg.title == "[CRITICAL] 2 workers lost"
    assert msg.alerts[0]["channel"] is None


def test_the_test_message_names_the_target() -> None:
    assert "'Ops'" in render_test("Ops").text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (12.4, "12s"), (83, "1m 23s"), (7500, "2h 05m"), (273600, "3d 04h")],
)
def test_durations_read_like_a_clock(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
