"""No alert storms: which alert changes become messages, and when. Pure, with a clock.

- Opened alerts go out together as one ``Batch`` (one message per target)
  as soon as no further opening is expected (the rules know which channels
  are down but still inside their grace period), and at the latest
  ``window_s`` after the first one. A single lost channel is told at once;
  ten channels lost to one upstream failure wait for each other. Resolutions
  wait ``window_s`` from the first one.
- After a subject (channel slug, or ``worker:<name>``) was notified, its
  further alerts within ``quiet_period_s`` are *folded*: counted, not sent. The
  next batch about that subject carries the count. A folded alert still open
  when the quiet period ends is sent then.
- A resolution is sent only for an alert whose opening was sent; an alert that
  opens and resolves within the window sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from streamfleet.alerts.kinds import NotificationEvent


@dataclass(frozen=True, slots=True)
class Batch:
    """Alerts that go out as one message per target."""

    event: NotificationEvent
    alert_ids: tuple[int, ...]
    folded: dict[int, int] = field(default_factory=dict)
    """alert id → alerts of the same subject folded since the subject's last message."""


@dataclass(slots=True)
class _Window:
    started: float | None = None
    items: dict[int, str] = field(default_factory=dict)
    """alert id → subject, in arrival order."""

    def add(self, alert_id: int, subject: str, now: float) -> None:
        if self.started is None:
            self.started = now
        self.items[alert_id] = subject

    def due(self, now: float, window_s: float) -> bool:
        return self.started is not None and now >= self.started + window_s

    def take(self) -> dict[int, str]:
        items, self.items, self.started = self.items, {}, None
        return items


class NotificationPlanner:
    """Folds alert openings and resolutions into batches."""

    def __init__(self, window_s: float, quiet_period_s: float) -> None:
        self._window_s = window_s
        self._quiet_s = quiet_period_s
        self._opening = _Window()
        self._resolving = _Window()
        self._notified: dict[int, str] = {}
        self._quiet_until: dict[str, float] = {}
        self._folded_count: dict[str, int] = {}
        self._folded_open: dict[str, dict[int, None]] = {}

    def restore_notified(self, alerts: Iterable[tuple[int, str]]) -> None:
        """Open alerts (id, subject) whose opening was sent before a restart."""
        for alert_id, subject in alerts:
            self._notified[alert_id] = subject

    def opened(self, alert_id: int, subject: str, now: float) -> None:
        if self._quiet_until.get(subject, float("-inf")) > now:
            self._folded_count[subject] = self._folded_count.get(subject, 0) + 1
            self._folded_open.setdefault(subject, {})[alert_id] = None
            return
        self._opening.add(alert_id, subject, now)

    def resolved(self, alert_id: int, now: float) -> None:
        if self._opening.items.pop(alert_id, None) is not None:
            if not self._opening.items:
                self._opening.started = None
            return
        for waiting in self._folded_open.values():
            if alert_id in waiting:
                del waiting[alert_id]
                return
        subject = self._notified.pop(alert_id, None)
        if subject is not None:
            self._resolving.add(alert_id, subject, now)

    def is_folded(self, alert_id: int) -> bool:
        return any(alert_id in waiting for waiting in self._folded_open.values())

    def tick(self, now: float, more_expected: bool = False) -> list[Batch]:
        """Batches due at ``now``; ``more_expected`` holds openings back (up to the window)."""
        for subject, until in list(self._quiet_until.items()):
            if until > now:
                continue
            del self._quiet_until[subject]
            for alert_id in self._folded_open.pop(subject, {}):
                self._opening.add(alert_id, subject, now)
        batches: list[Batch] = []
        opening_due = self._opening.due(now, self._window_s)
        if opening_due or (self._opening.items and not more_expected):
            batches.append(self._open_batch(self._opening.take(), now))
        if self._resolving.due(now, self._window_s):
            items = self._resolving.take()
            batches.append(Batch(NotificationEvent.RESOLVED, tuple(items)))
        return batches

    def next_deadline(self) -> float | None:
        times = [
            w.started + self._window_s
            for w in (self._opening, self._resolving)
            if w.started is not None
        ]
        times += [u for s, u in self._quiet_until.items() if self._folded_open.get(s)]
        return min(times) if times else None

    def _open_batch(self, items: dict[int, str], now: float) -> Batch:
        folded: dict[int, int] = {}
        seen: set[str] = set()
        for alert_id, subject in items.items():
            self._notified[alert_id] = subject
            if subject in seen:
                continue
            seen.add(subject)
            count = self._folded_count.pop(subject, 0)
            if count:
                folded[alert_id] = count
            if self._quiet_s > 0:
                self._quiet_until[subject] = now + self._quiet_s
        return Batch(NotificationEvent.OPENED, tuple(items), folded)
