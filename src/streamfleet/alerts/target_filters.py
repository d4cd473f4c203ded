"""Which alerts a notification target wants: channel tags, severities, opened/resolved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streamfleet.alerts.kinds import NotificationEvent, Severity


@dataclass(frozen=True, slots=True)
class TargetFilters:
    tags: tuple[str, ...] = ()
    """Only alerts of channels with at least one of these tags; empty = all."""
    severities: tuple[Severity, ...] = ()
    """Only these severities; empty = all."""
    on_open: bool = True
    on_resolve: bool = True

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> TargetFilters:
        raw = raw or {}
        return cls(
            tags=tuple(raw.get("tags") or ()),
            severities=tuple(Severity(s) for s in raw.get("severities") or ()),
            on_open=bool(raw.get("on_open", True)),
            on_resolve=bool(raw.get("on_resolve", True)),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "tags": list(self.tags),
            "severities": [s.value for s in self.severities],
            "on_open": self.on_open,
            "on_resolve": self.on_resolve,
        }

    def wants_event(self, event: NotificationEvent) -> bool:
        if event is NotificationEvent.OPENED:
            return self.on_open
        if event is NotificationEvent.RESOLVED:
            return self.on_resolve
        return True

    def wants_alert(self, severity: Severity, channel_tags: Sequence[str] | None) -> bool:
        """``channel_tags`` is ``None`` for alerts about no channel (worker lost)."""
        if self.severities and severity not in self.severities:
            return False
        if not self.tags:
            return True
        return channel_tags is not None and any(t in self.tags for t in channel_tags)
