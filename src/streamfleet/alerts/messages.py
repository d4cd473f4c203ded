"""What a notification says: title, plain text and the JSON alert list. Pure.

Apprise targets get ``title`` and ``text``; the webhook gets the JSON body of
docs/webhooks.md, built from the same ``Message``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from streamfleet.alerts.kinds import NotificationEvent, Rule, Severity
from streamfleet.domain.times import iso_utc

RULE_NOUN: Final[dict[Rule, str]] = {
    Rule.OFFLINE: "offline",
    Rule.DEGRADED: "degraded",
    Rule.FLAPPING: "flapping",
    Rule.CONTENT_BLACK: "black picture",
    Rule.CONTENT_FREEZE: "frozen picture",
    Rule.CONTENT_SILENCE: "silent audio",
    Rule.WORKER_LOST: "worker lost",
    Rule.BACKUP_FAILED: "backup failed",
}
SEVERITY_ORDER: Final = (Severity.CRITICAL, Severity.WARNING, Severity.INFO)


@dataclass(frozen=True, slots=True)
class AlertSnapshot:
    """An alert as a message shows it (read from its row when the message is made)."""

    id: int
    rule: Rule
    severity: Severity
    summary: str
    started_at: datetime
    ended_at: datetime | None = None
    channel: Mapping[str, Any] | None = None
    """``{"id", "slug", "name", "tags"}``, or ``None`` for alerts about no channel."""
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return "open" if self.ended_at is None else "resolved"

    @property
    def tags(self) -> Sequence[str] | None:
        return None if self.channel is None else list(self.channel.get("tags") or ())

    @property
    def label(self) -> str:
        if self.channel is None:
            if self.rule is Rule.BACKUP_FAILED:
                return "backups"
            return str(self.data.get("worker") or "?")
        slug, name = self.channel.get("slug"), self.channel.get("name")
        return f"{name} ({slug})" if name and name != slug else str(slug)

    def duration_s(self, now: datetime) -> float:
        return round(((self.ended_at or now) - self.started_at).total_seconds(), 3)

    def as_payload(self, now: datetime, folded: int = 0) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule.value,
            "severity": self.severity.value,
            "state": self.state,
            "channel": dict(self.channel) if self.channel is not None else None,
            "summary": self.summary,
            "started_at": iso_utc(self.started_at),
            "ended_at": iso_utc(self.ended_at) if self.ended_at else None,
            "duration_s": self.duration_s(now),
            "folded_flaps": folded,
            "data": dict(self.data),
        }


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    text: str
    alerts: list[dict[str, Any]]

    def as_payload(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.text, "alerts": self.alerts}


def render(
    event: NotificationEvent,
    alerts: Sequence[AlertSnapshot],
    now: datetime,
    folded: Mapping[int, int] | None = None,
) -> Message:
    """The message for ``alerts`` (all of one batch that one target wants)."""
    folded = folded or {}
    payload = [a.as_payload(now, folded.get(a.id, 0)) for a in alerts]
    if event is NotificationEvent.OPENED:
        lines = [_opened_line(a, folded.get(a.id, 0)) for a in alerts]
        return Message(_title(event, alerts), "\n".join(lines), payload)
    lines = [_resolved_line(a, now) for a in alerts]
    return Message(_title(event, alerts), "\n".join(lines), payload)


def render_test(target_name: str) -> Message:
    return Message(
        "[TEST] streamfleet test notification",
        f"This is a test message from streamfleet to the target '{target_name}'.",
        [],
    )


def _title(event: NotificationEvent, alerts: Sequence[AlertSnapshot]) -> str:
    if event is NotificationEvent.RESOLVED:
        tag = "RESOLVED"
    else:
        tag = min((a.severity for a in alerts), key=SEVERITY_ORDER.index).value.upper()
    if len(alerts) == 1:
        a = alerts[0]
        if event is NotificationEvent.RESOLVED:
            return f"[{tag}] {a.label}: {RULE_NOUN[a.rule]} resolved"
        return f"[{tag}] {a.summary}"
    rules = Counter(a.rule for a in alerts)
    if len(rules) == 1:
        rule = next(iter(rules))
        if rule is Rule.WORKER_LOST:
            what = f"{len(alerts)} workers lost"
        else:
            what = f"{len(alerts)} channels {RULE_NOUN[rule]}"
        return f"[{tag}] {what}" + (" resolved" if event is NotificationEvent.RESOLVED else "")
    parts = ", ".join(f"{n} {RULE_NOUN[r]}" for r, n in rules.most_common())
    return f"[{tag}] {len(alerts)} alerts: {parts}"


def _opened_line(alert: AlertSnapshot, folded: int) -> str:
    line = f"- {alert.summary} (since {iso_utc(alert.started_at)[11:19]}Z)"
    if folded:
        line += f" ({folded} alert{'s' if folded != 1 else ''} folded since the last message)"
    return line


def _resolved_line(alert: AlertSnapshot, now: datetime) -> str:
    why = alert.data.get("resolve_reason")
    line = f"- {alert.label}: {RULE_NOUN[alert.rule]} resolved after "
    line += format_duration(alert.duration_s(now))
    return line + (f" ({why})" if why else "")


def format_duration(seconds: float) -> str:
    """``"12s"``, ``"1m 23s"``, ``"2h 05m"``, ``"3d 04h"``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"
