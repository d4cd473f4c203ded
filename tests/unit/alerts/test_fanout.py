"""A batch becomes one outbox row per target that wants part of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from streamfleet.alerts.fanout import fan_out
from streamfleet.alerts.grouping import Batch
from streamfleet.alerts.kinds import NotificationEvent, Rule, Severity
from streamfleet.alerts.messages import AlertSnapshot
from streamfleet.db.repositories.targets import TargetRecord

T0 = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def alert(i: int, tags: list[str], severity: Severity = Severity.CRITICAL) -> AlertSnapshot:
    channel = {"id": i, "slug": f"ch{i}", "name": "", "tags": tags}
    return AlertSnapshot(i, Rule.OFFLINE, severity, f"ch{i} is offline", T0, channel=channel)


def target(i: int, enabled: bool = True, **filters: Any) -> TargetRecord:
    return TargetRecord(i, f"t{i}", "webhook", "http://h.example/", "s" * 16, filters, enabled)


ALERTS = [alert(1, ["news"]), alert(2, ["sport"]), alert(3, ["sport"], Severity.WARNING)]


def test_each_target_gets_one_message_with_the_alerts_its_filters_let_through() -> None:
    batch = Batch(NotificationEvent.OPENED, (1, 2, 3))
    targets = [target(1), target(2, tags=["sport"]), target(3, severities=["critical"])]
    plan = fan_out(batch, ALERTS, targets, T0, 3)
    assert [(n.target_id, n.alert_ids) for n in plan.notifications] == [
        (1, [1, 2, 3]),
        (2, [2, 3]),
        (3, [1, 2]),
    ]
    assert plan.notifications[0].payload["title"] == "[CRITICAL] 3 channels offline"
    assert {n.max_attempts for n in plan.notifications} == {3}
    assert plan.notified == [1, 2, 3]


def test_a_target_that_wants_nothing_of_the_batch_gets_no_row() -> None:
    batch = Batch(NotificationEvent.OPENED, (1,))
    plan = fan_out(batch, ALERTS[:1], [target(1, tags=["sport"]), target(2, enabled=False)], T0, 3)
    assert plan.notifications == []
    assert plan.notified == []


def test_resolutions_skip_targets_that_do_not_want_them_and_mark_nothing_notified() -> None:
    batch = Batch(NotificationEvent.RESOLVED, (1,))
    plan = fan_out(batch, ALERTS[:1], [target(1), target(2, on_resolve=False)], T0, 3)
    assert [n.target_id for n in plan.notifications] == [1]
    assert plan.notified == []
