"""The status sets every layer uses: up, down, and what ends an incident."""

from __future__ import annotations

from streamfleet.domain.status import DOWN, ENDS_INCIDENT, RUNNING, UP, Status


def test_up_and_down_never_overlap_and_leave_out_stopped_starting_and_queued() -> None:
    assert not UP & DOWN
    assert set(Status) - UP - DOWN == {Status.STOPPED, Status.STARTING, Status.QUEUED}


def test_up_and_down_channels_are_running_except_a_channel_in_error() -> None:
    assert UP <= RUNNING
    not_running = DOWN - RUNNING
    assert not_running == {Status.ERROR}


def test_an_incident_ends_when_the_channel_is_up_again_stopped_or_waiting_for_capacity() -> None:
    besides_up = ENDS_INCIDENT - UP
    assert besides_up == {Status.STOPPED, Status.QUEUED}
    assert UP <= ENDS_INCIDENT
