"""Channel status changes as one WebSocket client received them, and what they tell.

Pure: the WebSocket watcher feeds ``(channel, status, received_at)`` and the
benchmark asks when each channel first reached a status after an instant, and
how many times a healthy channel was reported offline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

OFFLINE = "offline"
ONLINE = "online"


@dataclass(frozen=True, slots=True)
class StatusSeen:
    channel: str
    status: str
    received_at: float
    """Wall-clock seconds (``time.time()``) when the client received the message."""
    sent_at: float
    """The envelope's ``ts``: when the server published it."""
    reason: str = ""
    """Why, as the server said it (``data.reason``)."""


@dataclass
class StatusTimeline:
    seen: list[StatusSeen] = field(default_factory=list)

    def add(self, item: StatusSeen) -> None:
        self.seen.append(item)

    def first_after(self, channel: str, status: str, after: float) -> float | None:
        """When ``channel`` was first reported ``status`` at or after ``after``."""
        return next(
            (
                s.received_at
                for s in self.seen
                if s.channel == channel and s.status == status and s.received_at >= after
            ),
            None,
        )

    def latency_after(
        self, channel: str, status: str, after: float, before: float | None = None
    ) -> float | None:
        """Seconds from ``after`` until ``channel`` was reported ``status`` (before ``before``)."""
        at = self.first_after(channel, status, after)
        if at is None or (before is not None and at > before):
            return None
        return at - after

    def all_reached(self, channels: Iterable[str], status: str, after: float) -> float | None:
        """When the last of ``channels`` first reached ``status`` after ``after``; None if one
        has not."""
        instants = [self.first_after(channel, status, after) for channel in channels]
        if not instants or any(at is None for at in instants):
            return None
        return max(at for at in instants if at is not None)

    def count(
        self, channels: Iterable[str], status: str, since: float, until: float | None = None
    ) -> int:
        """How many ``status`` reports ``channels`` got in ``[since, until]``."""
        wanted = set(channels)
        return sum(
            1
            for s in self.seen
            if s.channel in wanted
            and s.status == status
            and s.received_at >= since
            and (until is None or s.received_at <= until)
        )

    def changes_by_status(
        self, channels: Iterable[str], since: float, until: float | None = None
    ) -> dict[str, int]:
        """How many reports of each status ``channels`` got in ``[since, until]``."""
        wanted = set(channels)
        return dict(
            Counter(
                s.status
                for s in self.seen
                if s.channel in wanted
                and s.received_at >= since
                and (until is None or s.received_at <= until)
            )
        )

    def false_offline(self, healthy: Iterable[str], until: float | None = None) -> int:
        """How many offline reports channels whose source never stopped got after their first
        online."""
        return len(self.false_offline_reports(healthy, until))

    def false_offline_reports(
        self, healthy: Iterable[str], until: float | None = None
    ) -> list[StatusSeen]:
        """Offline reports for channels whose source never stopped, after each was first online."""
        first_online = {
            channel: at
            for channel in set(healthy)
            if (at := self.first_after(channel, ONLINE, 0.0)) is not None
        }
        return [
            s
            for s in self.seen
            if s.status == OFFLINE
            and s.channel in first_online
            and s.received_at >= first_online[s.channel]
            and (until is None or s.received_at <= until)
        ]
