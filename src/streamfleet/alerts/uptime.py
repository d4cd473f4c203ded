"""Uptime percentage and incidents of a channel, computed from its status changes. Pure.

Each moment is *up* (``online``/``degraded``), *down* (``offline``/``error``,
and ``starting`` after a loss) or *not monitored* (``stopped``, ``starting``
from stopped, and before the first change). The uptime percentage is up time
over monitored time inside the window; an incident is one down period.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

__all__ = ["StatusPoint", "compute_uptime", "phase_after"]  # StatusPoint: domain.status

from streamfleet.domain.status import DOWN, UP, Status, StatusPoint

WINDOWS: Final[dict[str, timedelta]] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


class Phase(enum.Enum):
    UP = "up"
    DOWN = "down"
    UNMONITORED = "unmonitored"


@dataclass(frozen=True, slots=True)
class Incident:
    started_at: datetime
    ended_at: datetime | None
    duration_s: float
    reason: str

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class UptimeReport:
    window_from: datetime
    window_until: datetime
    up_s: float
    down_s: float
    incidents: tuple[Incident, ...]
    """Down periods that overlap the window, oldest first."""

    @property
    def monitored_s(self) -> float:
        return self.up_s + self.down_s

    @property
    def uptime_percent(self) -> float | None:
        if self.monitored_s <= 0:
            return None
        return round(100.0 * self.up_s / self.monitored_s, 3)


def phase_after(previous: Phase, status: Status) -> Phase:
    if status in UP:
        return Phase.UP
    if status in DOWN:
        return Phase.DOWN
    if status is Status.STARTING and previous is Phase.DOWN:
        return Phase.DOWN
    return Phase.UNMONITORED


def compute_uptime(
    points: Sequence[StatusPoint], window_from: datetime, window_until: datetime
) -> UptimeReport:
    """Uptime inside ``[window_from, window_until]`` from ``points`` sorted by time.

    ``points`` should start at the last up-or-stopped change before the window
    (or the channel's first change) so that an incident running into the window
    has its real start; changes after ``window_until`` are ignored.
    """
    totals = {Phase.UP: 0.0, Phase.DOWN: 0.0, Phase.UNMONITORED: 0.0}
    incidents: list[Incident] = []
    phase, since = Phase.UNMONITORED, window_from
    down_start: datetime | None = None
    down_reason = ""

    def account(until: datetime) -> None:
        start, end = max(since, window_from), min(until, window_until)
        if end > start:
            totals[phase] += (end - start).total_seconds()

    for point in points:
        if point.at > window_until:
            break
        new = phase_after(phase, point.status)
        if new is phase:
            continue
        account(point.at)
        if new is Phase.DOWN:
            down_start, down_reason = point.at, point.reason
        elif phase is Phase.DOWN and down_start is not None:
            if point.at > window_from:
                incidents.append(_incident(down_start, point.at, down_reason))
            down_start = None
        phase, since = new, point.at
    account(window_until)
    if phase is Phase.DOWN and down_start is not None:
        duration = (window_until - down_start).total_seconds()
        incidents.append(Incident(down_start, None, round(duration, 3), down_reason))
    return UptimeReport(
        window_from, window_until, totals[Phase.UP], totals[Phase.DOWN], tuple(incidents)
    )


def _incident(start: datetime, end: datetime, reason: str) -> Incident:
    return Incident(start, end, round((end - start).total_seconds(), 3), reason)
