"""Channel status: the states, the named facts that move between them, and one table.

Allowed transitions (the whole table is ``TRANSITIONS``)::

    stopped  --start_requested-->  starting
    stopped/error --capacity_full--> queued     (no free slot on this box, or the start is paced)
    queued   --start_requested-->  starting      (a slot freed up)
    starting --progress_seen-->    online
    online   --health_degraded-->  degraded      degraded --health_recovered--> online
    starting/online/degraded --progress_stalled | process_exited--> offline
    offline  --progress_seen-->    online        (reconnect worked)
    offline  --start_requested-->  starting      (operator restart)
    any running state --config_rejected--> error
    any state --stop_requested--> stopped
    error    --start_requested-->  starting

``transition()`` is pure: it returns the new status and a ``StatusChanged``
fact, or raises ``IllegalTransition``. Desired state (``enabled``) is kept apart
from this observed status.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from streamfleet.domain.errors import IllegalTransition


class Status(enum.StrEnum):
    STOPPED = "stopped"
    QUEUED = "queued"
    """Enabled, waiting for a free slot of the engine's capacity: not down, no FFmpeg child."""
    STARTING = "starting"
    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"
    ERROR = "error"


class StatusEvent(enum.StrEnum):
    START_REQUESTED = "start_requested"
    CAPACITY_FULL = "capacity_full"
    PROGRESS_SEEN = "progress_seen"
    HEALTH_DEGRADED = "health_degraded"
    HEALTH_RECOVERED = "health_recovered"
    PROGRESS_STALLED = "progress_stalled"
    PROCESS_EXITED = "process_exited"
    CONFIG_REJECTED = "config_rejected"
    STOP_REQUESTED = "stop_requested"


S, E = Status, StatusEvent

TRANSITIONS: dict[tuple[Status, StatusEvent], Status] = {
    (S.STOPPED, E.START_REQUESTED): S.STARTING,
    (S.STOPPED, E.CAPACITY_FULL): S.QUEUED,
    (S.ERROR, E.CAPACITY_FULL): S.QUEUED,
    (S.QUEUED, E.START_REQUESTED): S.STARTING,
    (S.ERROR, E.START_REQUESTED): S.STARTING,
    (S.OFFLINE, E.START_REQUESTED): S.STARTING,
    (S.STARTING, E.PROGRESS_SEEN): S.ONLINE,
    (S.OFFLINE, E.PROGRESS_SEEN): S.ONLINE,
    (S.ONLINE, E.HEALTH_DEGRADED): S.DEGRADED,
    (S.DEGRADED, E.HEALTH_RECOVERED): S.ONLINE,
    (S.STARTING, E.PROGRESS_STALLED): S.OFFLINE,
    (S.ONLINE, E.PROGRESS_STALLED): S.OFFLINE,
    (S.DEGRADED, E.PROGRESS_STALLED): S.OFFLINE,
    (S.STARTING, E.PROCESS_EXITED): S.OFFLINE,
    (S.ONLINE, E.PROCESS_EXITED): S.OFFLINE,
    (S.DEGRADED, E.PROCESS_EXITED): S.OFFLINE,
    (S.STARTING, E.CONFIG_REJECTED): S.ERROR,
    (S.ONLINE, E.CONFIG_REJECTED): S.ERROR,
    (S.DEGRADED, E.CONFIG_REJECTED): S.ERROR,
    (S.OFFLINE, E.CONFIG_REJECTED): S.ERROR,
    (S.STARTING, E.STOP_REQUESTED): S.STOPPED,
    (S.ONLINE, E.STOP_REQUESTED): S.STOPPED,
    (S.DEGRADED, E.STOP_REQUESTED): S.STOPPED,
    (S.OFFLINE, E.STOP_REQUESTED): S.STOPPED,
    (S.ERROR, E.STOP_REQUESTED): S.STOPPED,
    (S.QUEUED, E.STOP_REQUESTED): S.STOPPED,
}

RUNNING: frozenset[Status] = frozenset({S.STARTING, S.ONLINE, S.DEGRADED, S.OFFLINE})
"""States in which a channel has (or is trying to have) an FFmpeg child."""
UP: frozenset[Status] = frozenset({S.ONLINE, S.DEGRADED})
"""The channel plays: uptime counts it, an offline alert resolves, thumbnails are made."""
DOWN: frozenset[Status] = frozenset({S.OFFLINE, S.ERROR})
"""The channel should play and does not (a ``starting`` after a loss stays down)."""
ENDS_INCIDENT: frozenset[Status] = UP | {S.STOPPED, S.QUEUED}
"""A change to one of these ends a down period (alerts, uptime incidents); ``queued`` waits for
capacity like a stopped channel, it is not down."""


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """A transition that happened: the fact every event row and bus message carries."""

    channel_id: int
    at: datetime
    from_status: Status
    to_status: Status
    event: StatusEvent
    reason: str
    worker: str


@dataclass(frozen=True, slots=True)
class StatusPoint:
    """The channel entered ``status`` at ``at``: one row of its status history."""

    at: datetime
    status: Status
    reason: str = ""


def next_status(current: Status, event: StatusEvent) -> Status:
    """The status that ``event`` leads to from ``current``, or ``IllegalTransition``."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise IllegalTransition(f"{event.value} is not allowed in {current.value}") from None


def transition(
    channel_id: int,
    current: Status,
    event: StatusEvent,
    *,
    at: datetime,
    reason: str,
    worker: str,
) -> tuple[Status, StatusChanged]:
    """Apply ``event`` to ``current``; returns the new status and the fact to record."""
    new = next_status(current, event)
    return new, StatusChanged(channel_id, at, current, new, event, reason, worker)
