"""Alert rules evaluated on the event stream: pure, fed with envelopes and a clock.

``RuleEngine.observe(envelope, now)`` and ``RuleEngine.tick(now)`` return what
happened as ``AlertOpened`` / ``AlertResolved`` facts; they do no I/O and read
no clock. Times are Unix seconds (floats). The caller wakes the engine at
``next_deadline()`` so that timers (grace periods) fire without polling.

Rules (see docs/alerts.md):

- ``offline``: down (``offline``/``error``; a ``starting`` after a loss keeps it
  down) for longer than the channel's ``offline_grace_s``; up, stopped or
  deleted resolves it.
- ``degraded``: ``degraded`` for longer than ``degraded_after_s``.
- ``flapping``: more than ``flap_threshold`` losses (up → ``offline``) within
  ``flap_window_s``; resolves once a whole window passes without a loss.
- ``content_*``: a ``content`` start for a check the channel has enabled, not
  ended after ``content_after_s``.
- ``worker_lost``: opened and resolved by explicit calls from the fleet's
  ``WorkerWatch`` (a worker's heartbeat older than the lease TTL; back resolves).
- ``backup_failed``: opened and resolved by explicit calls from the backup
  schedule (a run failed, or the newest backup is too old; a good run resolves).
- ``archive_space``: opened and resolved by explicit calls from the archive's
  retention (recording paused under the free-space floor; resumed resolves).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streamfleet.alerts.kinds import (
    ARCHIVE_SUBJECT,
    BACKUP_SUBJECT,
    CONTENT_RULES,
    RULE_SEVERITY,
    Rule,
    Severity,
    worker_subject,
)
from streamfleet.domain.channel import DEFAULT_OFFLINE_GRACE_S, Channel
from streamfleet.domain.status import DOWN, UP, Status
from streamfleet.events.envelope import Envelope, EventType


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """What the rules need to know about a channel's configuration."""

    slug: str
    id: int | None = None
    name: str = ""
    tags: tuple[str, ...] = ()
    offline_grace_s: float = DEFAULT_OFFLINE_GRACE_S
    content_checks: tuple[str, ...] = ()

    @classmethod
    def from_channel(cls, channel: Channel) -> ChannelInfo:
        return cls(
            slug=channel.slug,
            id=channel.id,
            name=channel.name,
            tags=tuple(channel.tags),
            offline_grace_s=channel.offline_grace_s,
            content_checks=tuple(channel.content_checks),
        )

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "slug": self.slug, "name": self.name, "tags": list(self.tags)}

    @property
    def label(self) -> str:
        return f"{self.name} ({self.slug})" if self.name and self.name != self.slug else self.slug


@dataclass(frozen=True, slots=True)
class RuleSettings:
    degraded_after_s: float = 30.0
    content_after_s: float = 10.0
    flap_threshold: int = 3
    flap_window_s: float = 600.0


@dataclass(frozen=True, slots=True)
class AlertKey:
    """At most one alert per (subject, rule) is open: subject = slug or ``worker:<name>``."""

    subject: str
    rule: Rule


@dataclass(frozen=True, slots=True)
class AlertOpened:
    key: AlertKey
    severity: Severity
    started_at: float
    summary: str
    channel: ChannelInfo | None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> Rule:
        return self.key.rule


@dataclass(frozen=True, slots=True)
class AlertResolved:
    key: AlertKey
    ended_at: float
    reason: str


Outcome = AlertOpened | AlertResolved


@dataclass(slots=True)
class _Watch:
    """What the rules remember about one channel between envelopes."""

    status: Status | None = None
    reason: str = ""
    down_since: float | None = None
    degraded_since: float | None = None
    content_since: dict[str, float] = field(default_factory=dict)
    losses: deque[float] = field(default_factory=deque)


class RuleEngine:
    """Turns status/content envelopes and the passing of time into alert facts."""

    def __init__(self, settings: RuleSettings, channels: Iterable[ChannelInfo] = ()) -> None:
        self._settings = settings
        self._channels: dict[str, ChannelInfo] = {c.slug: c for c in channels}
        self._watches: dict[str, _Watch] = {}
        self._open: dict[AlertKey, float] = {}

    # Configuration -------------------------------------------------------------------

    def set_channel(self, info: ChannelInfo, now: float) -> list[Outcome]:
        """A channel was created or changed (``ChannelInfo.from_channel``, a domain value);
        checks it no longer has stop alerting."""
        self._channels[info.slug] = info
        watch = self._watches.get(info.slug)
        out: list[Outcome] = []
        if watch is not None:
            for check in [c for c in watch.content_since if c not in info.content_checks]:
                del watch.content_since[check]
                out += self._resolve(AlertKey(info.slug, CONTENT_RULES[check]), now, "disabled")
        return out + self.tick(now)

    def forget_channel(self, slug: str, now: float) -> list[Outcome]:
        """The channel was deleted: resolve everything it had open."""
        self._channels.pop(slug, None)
        self._watches.pop(slug, None)
        return self._resolve_subject(slug, now, "channel deleted")

    def restore(self, key: AlertKey, started_at: float) -> None:
        """Remember an alert that is open in the database (after a restart)."""
        self._open[key] = started_at

    def is_open(self, key: AlertKey) -> bool:
        return key in self._open

    # Input ---------------------------------------------------------------------------

    def observe(self, envelope: Envelope, now: float) -> list[Outcome]:
        if envelope.channel is None:
            return []
        if envelope.type is EventType.STATUS:
            return self._on_status(envelope.channel, envelope, now)
        if envelope.type is EventType.CONTENT:
            return self._on_content(envelope.channel, envelope, now)
        if envelope.type is EventType.CHANNEL_DELETED:
            return self.forget_channel(envelope.channel, now)
        return []

    def worker_lost(self, worker: str, at: float, reason: str = "") -> list[Outcome]:
        """A stream-processing worker stopped heart-beating (called by the scale-out code)."""
        summary = f"worker {worker} lost" + (f": {reason}" if reason else "")
        key = AlertKey(worker_subject(worker), Rule.WORKER_LOST)
        return self._open_once(key, at, summary, {"worker": worker, "reason": reason})

    def worker_back(self, worker: str, at: float) -> list[Outcome]:
        return self._resolve(AlertKey(worker_subject(worker), Rule.WORKER_LOST), at, "worker back")

    def backup_failed(self, at: float, reason: str) -> list[Outcome]:
        """A scheduled backup failed or is overdue (called by the backup schedule)."""
        key = AlertKey(BACKUP_SUBJECT, Rule.BACKUP_FAILED)
        return self._open_once(key, at, f"backup failed: {reason}", {"reason": reason})

    def backup_ok(self, at: float) -> list[Outcome]:
        return self._resolve(AlertKey(BACKUP_SUBJECT, Rule.BACKUP_FAILED), at, "backup written")

    def archive_space_low(self, at: float, reason: str) -> list[Outcome]:
        """Recording paused: the archive's disk is under the free-space floor."""
        key = AlertKey(ARCHIVE_SUBJECT, Rule.ARCHIVE_SPACE)
        return self._open_once(key, at, f"recording paused: {reason}", {"reason": reason})

    def archive_space_ok(self, at: float) -> list[Outcome]:
        return self._resolve(AlertKey(ARCHIVE_SUBJECT, Rule.ARCHIVE_SPACE), at, "recording resumed")

    def _open_once(
        self, key: AlertKey, at: float, summary: str, data: dict[str, Any]
    ) -> list[Outcome]:
        """An alert opened by an explicit call: opened unless it is open already."""
        if key in self._open:
            return []
        return [self._open_alert(key, at, summary, None, data)]

    # Time ----------------------------------------------------------------------------

    def tick(self, now: float) -> list[Outcome]:
        out: list[Outcome] = []
        for slug in list(self._watches):
            out += self._evaluate(slug, now)
        return out

    def pending_offline(self) -> int:
        """Channels that are down but whose grace period has not run out yet."""
        return sum(
            1
            for slug, w in self._watches.items()
            if w.down_since is not None and not self._is_open(slug, Rule.OFFLINE)
        )

    def next_deadline(self) -> float | None:
        """The earliest time at which ``tick`` may have something to report."""
        times: list[float] = []
        s = self._settings
        for slug, w in self._watches.items():
            info = self._info(slug)
            if w.down_since is not None and not self._is_open(slug, Rule.OFFLINE):
                times.append(w.down_since + info.offline_grace_s)
            if w.degraded_since is not None and not self._is_open(slug, Rule.DEGRADED):
                times.append(w.degraded_since + s.degraded_after_s)
            for check, since in w.content_since.items():
                if not self._is_open(slug, CONTENT_RULES[check]):
                    times.append(since + s.content_after_s)
            if w.losses and self._is_open(slug, Rule.FLAPPING):
                times.append(w.losses[-1] + s.flap_window_s)
        return min(times) if times else None

    # Internals -----------------------------------------------------------------------

    def _info(self, slug: str) -> ChannelInfo:
        return self._channels.get(slug) or ChannelInfo(slug=slug)

    def _is_open(self, slug: str, rule: Rule) -> bool:
        return AlertKey(slug, rule) in self._open

    def _on_status(self, slug: str, envelope: Envelope, now: float) -> list[Outcome]:
        data = envelope.data
        try:
            new = Status(data["status"])
        except (KeyError, ValueError):
            return []
        at = event_time(data.get("since"), envelope.ts)
        w = self._watches.setdefault(slug, _Watch())
        previous = w.status
        if previous is None and data.get("from") in set(Status):
            previous = Status(data["from"])
        w.status = new
        w.reason = str(data.get("reason") or "")
        out: list[Outcome] = []

        if new in DOWN:
            if w.down_since is None:
                w.down_since = at
            if new is Status.OFFLINE and previous in UP:
                w.losses.append(at)
        elif new in UP:
            w.down_since = None
            out += self._resolve(AlertKey(slug, Rule.OFFLINE), at, "recovered")
        elif new is Status.STARTING and previous in (None, Status.STOPPED, Status.QUEUED):
            w.down_since = None
        elif new in (Status.STOPPED, Status.QUEUED):  # queued: waiting for capacity, not down
            w.down_since = None
            w.losses.clear()
            out += self._resolve_subject(slug, at, new.value)

        if new is Status.DEGRADED:
            if w.degraded_since is None:
                w.degraded_since = at
        else:
            w.degraded_since = None
            out += self._resolve(AlertKey(slug, Rule.DEGRADED), at, f"now {new.value}")

        if new not in UP:
            for check in list(w.content_since):
                del w.content_since[check]
                out += self._resolve(AlertKey(slug, CONTENT_RULES[check]), at, f"now {new.value}")
        return out + self._evaluate(slug, now)

    def _on_content(self, slug: str, envelope: Envelope, now: float) -> list[Outcome]:
        data = envelope.data
        check = str(data.get("check", ""))
        rule = CONTENT_RULES.get(check)
        if rule is None or check not in self._info(slug).content_checks:
            return []
        at = event_time(data.get("at"), envelope.ts)
        w = self._watches.setdefault(slug, _Watch())
        out: list[Outcome] = []
        if data.get("state") == "start":
            w.content_since.setdefault(check, at)
        elif data.get("state") == "end":
            w.content_since.pop(check, None)
            out += self._resolve(AlertKey(slug, rule), at, f"{check} ended")
        return out + self._evaluate(slug, now)

    def _evaluate(self, slug: str, now: float) -> list[Outcome]:
        w = self._watches[slug]
        info = self._info(slug)
        s = self._settings
        out: list[Outcome] = []
        if w.down_since is not None and now - w.down_since >= info.offline_grace_s:
            key = AlertKey(slug, Rule.OFFLINE)
            if key not in self._open:
                status = (w.status or Status.OFFLINE).value
                summary = f"{info.label} is {status}" + (f": {w.reason}" if w.reason else "")
                data = {"reason": w.reason, "grace_s": info.offline_grace_s}
                out.append(self._open_alert(key, w.down_since, summary, info, data))
        if w.degraded_since is not None and now - w.degraded_since >= s.degraded_after_s:
            key = AlertKey(slug, Rule.DEGRADED)
            if key not in self._open:
                summary = f"{info.label} is degraded" + (f": {w.reason}" if w.reason else "")
                data = {"reason": w.reason, "after_s": s.degraded_after_s}
                out.append(self._open_alert(key, w.degraded_since, summary, info, data))
        for check, since in w.content_since.items():
            key = AlertKey(slug, CONTENT_RULES[check])
            if now - since >= s.content_after_s and key not in self._open:
                summary = f"{info.label}: {check} detected"
                data = {"check": check, "after_s": s.content_after_s}
                out.append(self._open_alert(key, since, summary, info, data))
        out += self._evaluate_flapping(slug, w, info, now)
        return out

    def _evaluate_flapping(
        self, slug: str, w: _Watch, info: ChannelInfo, now: float
    ) -> list[Outcome]:
        s = self._settings
        key = AlertKey(slug, Rule.FLAPPING)
        if key in self._open:
            if not w.losses or now - w.losses[-1] >= s.flap_window_s:
                ended = w.losses[-1] + s.flap_window_s if w.losses else now
                w.losses.clear()
                return self._resolve(key, ended, "stable for a whole window")
            return []
        while w.losses and now - w.losses[0] > s.flap_window_s:
            w.losses.popleft()
        if len(w.losses) > s.flap_threshold:
            minutes = s.flap_window_s / 60
            summary = f"{info.label} is flapping: {len(w.losses)} losses in {minutes:g} min"
            data = {"losses": len(w.losses), "window_s": s.flap_window_s}
            return [self._open_alert(key, w.losses[0], summary, info, data)]
        return []

    def _open_alert(
        self,
        key: AlertKey,
        started_at: float,
        summary: str,
        info: ChannelInfo | None,
        data: dict[str, Any],
    ) -> AlertOpened:
        self._open[key] = started_at
        return AlertOpened(key, RULE_SEVERITY[key.rule], started_at, summary, info, data)

    def _resolve(self, key: AlertKey, at: float, reason: str) -> list[Outcome]:
        if self._open.pop(key, None) is None:
            return []
        return [AlertResolved(key, at, reason)]

    def _resolve_subject(self, subject: str, at: float, reason: str) -> list[Outcome]:
        out: list[Outcome] = []
        for key in [k for k in self._open if k.subject == subject]:
            out += self._resolve(key, at, reason)
        return out


def event_time(value: object, fallback: float) -> float:
    """A time from an envelope field (Unix seconds or ISO 8601), else ``fallback``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    return fallback
