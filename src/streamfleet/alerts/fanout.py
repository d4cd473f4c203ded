"""One batch of alerts → one outbox row per target that wants part of it. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from streamfleet.alerts.grouping import Batch
from streamfleet.alerts.kinds import NotificationEvent
from streamfleet.alerts.messages import AlertSnapshot, render
from streamfleet.alerts.target_filters import TargetFilters
from streamfleet.db.repositories.outbox import NewNotification
from streamfleet.db.repositories.targets import TargetRecord


@dataclass(frozen=True, slots=True)
class FanOut:
    notifications: list[NewNotification]
    notified: list[int]
    """Alert ids whose opening reached at least one target."""


def fan_out(
    batch: Batch,
    alerts: Sequence[AlertSnapshot],
    targets: Sequence[TargetRecord],
    now: datetime,
    max_attempts: int,
) -> FanOut:
    """A message per enabled target, holding the alerts its filters let through."""
    items: list[NewNotification] = []
    reached: set[int] = set()
    for target in targets:
        if not target.enabled:
            continue
        filters = TargetFilters.from_dict(target.filters)
        if not filters.wants_event(batch.event):
            continue
        chosen = [a for a in alerts if filters.wants_alert(a.severity, a.tags)]
        if not chosen:
            continue
        message = render(batch.event, chosen, now, batch.folded)
        ids = [a.id for a in chosen]
        reached.update(ids)
        items.append(
            NewNotification(target.id, batch.event.value, ids, message.as_payload(), max_attempts)
        )
    notified = sorted(reached) if batch.event is NotificationEvent.OPENED else []
    return FanOut(items, notified)
