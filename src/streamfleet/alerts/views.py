"""Alert and outbox records as the API, the live events and the messages show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from streamfleet.alerts.kinds import WORKER_SUBJECT_PREFIX, Rule, Severity
from streamfleet.alerts.messages import AlertSnapshot
from streamfleet.db.repositories.alerts import AlertRecord
from streamfleet.db.repositories.outbox import NotificationRecord
from streamfleet.domain.times import iso_utc


def channel_slug(record: AlertRecord) -> str | None:
    return None if record.subject.startswith(WORKER_SUBJECT_PREFIX) else record.subject


def snapshot(record: AlertRecord) -> AlertSnapshot:
    channel = record.data.get("channel")
    if channel is None and channel_slug(record) is not None:
        channel = {"id": record.channel_id, "slug": record.subject, "name": "", "tags": []}
    data = {k: v for k, v in record.data.items() if k != "channel"}
    return AlertSnapshot(
        id=record.id,
        rule=Rule(record.rule),
        severity=Severity(record.severity),
        summary=record.summary,
        started_at=record.started_at,
        ended_at=record.ended_at,
        channel=channel,
        data=data,
    )


def alert_view(record: AlertRecord, now: datetime) -> dict[str, Any]:
    """The ``Alert`` object of docs/alerts.md."""
    end = record.ended_at or now
    return {
        "id": record.id,
        "channel_id": record.channel_id,
        "channel": channel_slug(record),
        "rule": record.rule,
        "severity": record.severity,
        "state": "open" if record.ended_at is None else "resolved",
        "summary": record.summary,
        "started_at": iso_utc(record.started_at),
        "ended_at": iso_utc(record.ended_at) if record.ended_at else None,
        "duration_s": round(max(0.0, (end - record.started_at).total_seconds()), 3),
        "acknowledged_by": record.acknowledged_by,
        "acknowledged_at": iso_utc(record.acknowledged_at) if record.acknowledged_at else None,
        "notified": record.notified,
        "data": record.data,
    }


def notification_view(record: NotificationRecord) -> dict[str, Any]:
    """The ``Notification`` object of docs/alerts.md."""
    view: dict[str, Any] = {
        "id": record.id,
        "target_id": record.target_id,
        "target": record.target_name,
        "event": record.event,
        "title": str(record.payload.get("title", "")),
        "alert_ids": record.alert_ids,
        "state": record.state,
        "attempts": record.attempts,
        "last_error": record.last_error,
        "next_attempt_at": iso_utc(record.next_attempt_at)
        if record.next_attempt_at and record.state == "pending"
        else None,
        "created_at": iso_utc(record.created_at),
        "delivered_at": iso_utc(record.delivered_at) if record.delivered_at else None,
    }
    if record.attempt_log is not None:
        view["attempt_log"] = [
            {"at": iso_utc(a.at), "ok": a.ok, "error": a.error, "status_code": a.status_code}
            for a in record.attempt_log
        ]
    return view
