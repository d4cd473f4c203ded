"""The status machine: every row of ``TRANSITIONS`` and the pairs it refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streamfleet.domain.errors import IllegalTransition
from streamfleet.domain.status import TRANSITIONS, Status, StatusChanged, StatusEvent, transition

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
S, E = Status, StatusEvent


@pytest.mark.parametrize(
    ("current", "event", "new"),
    [(s, e, n) for (s, e), n in sorted(TRANSITIONS.items(), key=lambda kv: str(kv[0]))],
)
def test_every_row_of_the_table_moves_to_its_status_and_says_so(
    current: Status, event: StatusEvent, new: Status
) -> None:
    status, change = transition(7, current, event, at=AT, reason="why", worker="w1")
    assert status is new
    assert change == StatusChanged(7, AT, current, new, event, "why", "w1")


REFUSED = [
    (S.STOPPED, E.PROGRESS_SEEN),  # a late block of a stopped child
    (S.STOPPED, E.PROCESS_EXITED),
    (S.STOPPED, E.STOP_REQUESTED),
    (S.STARTING, E.START_REQUESTED),
    (S.STARTING, E.HEALTH_DEGRADED),  # health is judged only once online
    (S.ONLINE, E.PROGRESS_SEEN),
    (S.ONLINE, E.HEALTH_RECOVERED),
    (S.DEGRADED, E.HEALTH_DEGRADED),
    (S.OFFLINE, E.PROCESS_EXITED),  # retries while offline record nothing new
    (S.OFFLINE, E.PROGRESS_STALLED),
    (S.ERROR, E.PROGRESS_SEEN),
    (S.ERROR, E.CONFIG_REJECTED),
]


@pytest.mark.parametrize(("current", "event"), REFUSED)
def test_a_pair_without_a_row_is_refused_naming_the_event_and_the_status(
    current: Status, event: StatusEvent
) -> None:
    assert (current, event) not in TRANSITIONS
    with pytest.raises(IllegalTransition) as refused:
        transition(7, current, event, at=AT, reason="why", worker="w1")
    assert str(refused.value) == f"{event.value} is not allowed in {current.value}"


def test_every_status_but_stopped_can_be_stopped_and_every_stopped_channel_started() -> None:
    assert {s for (s, e) in TRANSITIONS if e is E.STOP_REQUESTED} == set(Status) - {S.STOPPED}
    assert TRANSITIONS[(S.STOPPED, E.START_REQUESTED)] is S.STARTING
