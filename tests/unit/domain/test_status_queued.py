"""The ``queued`` status: enabled channels waiting for a slot of the engine's capacity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streamfleet.domain.errors import IllegalTransition
from streamfleet.domain.status import RUNNING, Status, StatusEvent, next_status, transition

AT = datetime(2026, 12, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "event", "end"),
    [
        (Status.STOPPED, StatusEvent.CAPACITY_FULL, Status.QUEUED),
        (Status.ERROR, StatusEvent.CAPACITY_FULL, Status.QUEUED),
        (Status.QUEUED, StatusEvent.START_REQUESTED, Status.STARTING),
        (Status.QUEUED, StatusEvent.STOP_REQUESTED, Status.STOPPED),
    ],
)
def test_a_channel_enters_and_leaves_the_queue_by_these_rows(
    start: Status, event: StatusEvent, end: Status
) -> None:
    new, change = transition(1, start, event, at=AT, reason="r", worker="w")
    assert new is end
    assert (change.from_status, change.to_status, change.event) == (start, end, event)


@pytest.mark.parametrize(
    "event",
    [
        StatusEvent.PROGRESS_SEEN,
        StatusEvent.PROGRESS_STALLED,
        StatusEvent.PROCESS_EXITED,
        StatusEvent.HEALTH_DEGRADED,
        StatusEvent.CONFIG_REJECTED,
        StatusEvent.CAPACITY_FULL,
    ],
)
def test_a_queued_channel_has_no_child_so_nothing_of_a_running_one_applies(
    event: StatusEvent,
) -> None:
    with pytest.raises(IllegalTransition):
        next_status(Status.QUEUED, event)


@pytest.mark.parametrize(
    "running", [Status.STARTING, Status.ONLINE, Status.DEGRADED, Status.OFFLINE]
)
def test_a_running_channel_is_never_queued(running: Status) -> None:
    with pytest.raises(IllegalTransition):
        next_status(running, StatusEvent.CAPACITY_FULL)


def test_queued_is_not_a_running_state() -> None:
    assert Status.QUEUED not in RUNNING
