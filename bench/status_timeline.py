"""Channel status changes as one WebSocket client received them, and what they tell.

Pure: the WebSocket watcher feeds ``(channel, status, received_at)`` and the
benchmark asks when each channel first reached a status after an instant, and
how many times a healthy channel was reported offline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
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

    def _between(
        self, channels: Iterable[str], since: float, until: float | None
    ) -> Iterator[StatusSeen]:
        """The reports ``channels`` got in ``[since, until]``."""
        wanted = set(channels)
        for s in self.seen:
            if (
                s.channel in wanted
                and since <= s.received_at
                and (until is None or s.received_at <= until)
            ):
                yield s

    def count(
        self, channels: Iterable[str], status: str, since: float, until: float | None = None
    ) -> int:
        """How many ``status`` reports ``channels`` got in ``[since, until]``."""
        return sum(1 for s in self._between(channels, since, until) if s.status == status)

    def changes_by_status(
        self, channels: Iterable[str], since: float, until: float | None = None
    ) -> dict[str, int]:
        """How many reports of each status ``channels`` got in ``[since, until]``."""
        return dict(Counter(s.status for s in self._between(channels, since, until)))

    def false_offline_reports(
        self, healthy: Iterable[str], until: float | None = None
    ) -> list[StatusSeen]:
        """Offline reports for channels whose source never stopped, after each was first online."""
        reports: list[StatusSeen] = []
        for channel in set(healthy):
            online_at = self.first_after(channel, ONLINE, 0.0)
            if online_at is not None:
                reports += (
                    s for s in self._between([channel], online_at, until) if s.status == OFFLINE
                )
        return sorted(reports, key=lambda s: s.received_at)
