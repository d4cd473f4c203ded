"""Uptime percentage and incidents from status changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streamfleet.alerts.uptime import Phase, StatusPoint, compute_uptime, phase_after
from streamfleet.domain.status import Status

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def pt(seconds: float, status: str, reason: str = "") -> StatusPoint:
    return StatusPoint(at(seconds), Status(status), reason)


def test_a_channel_online_the_whole_window_has_100_percent_and_no_incident() -> None:
    report = compute_uptime([pt(-50, "starting"), pt(-49, "online")], at(0), at(1000))
    assert report.uptime_percent == 100.0
    assert report.incidents == ()
    assert report.monitored_s == 1000


def test_one_outage_inside_the_window_is_one_incident_and_lowers_uptime() -> None:
    points = [pt(0, "online"), pt(100, "offline", "timeout"), pt(200, "online")]
    report = compute_uptime(points, at(0), at(1000))
    assert report.uptime_percent == 90.0
    assert report.down_s == 100
    [incident] = report.incidents
    assert (incident.started_at, incident.ended_at, incident.duration_s) == (at(100), at(200), 100)
    assert incident.reason == "timeout"
    assert not incident.ongoing


def test_restart_attempts_during_an_outage_stay_in_one_incident() -> None:
    points = [
        pt(0, "online"),
        pt(100, "offline", "timeout"),
        pt(101, "starting"),
        pt(105, "offline"),
        pt(106, "starting"),
        pt(150, "online"),
    ]
    [incident] = compute_uptime(points, at(0), at(1000)).incidents
    assert (incident.started_at, incident.ended_at) == (at(100), at(150))


def test_stopped_time_is_not_counted_either_way() -> None:
    points = [pt(0, "online"), pt(500, "stopped"), pt(900, "starting"), pt(901, "online")]
    report = compute_uptime(points, at(0), at(1000))
    assert report.monitored_s == 500 + 99
    assert report.uptime_percent == 100.0


def test_time_queued_for_capacity_is_not_counted_as_down() -> None:
    points = [pt(0, "queued"), pt(600, "starting"), pt(601, "online")]
    report = compute_uptime(points, at(0), at(1000))
    assert (report.down_s, report.incidents) == (0, ())
    assert report.uptime_percent == 100.0


def test_an_outage_still_running_is_ongoing_up_to_the_window_end() -> None:
    report = compute_uptime([pt(0, "online"), pt(900, "offline")], at(0), at(1000))
    [incident] = report.incidents
    assert incident.ongoing
    assert incident.duration_s == 100
    assert report.uptime_percent == 90.0


def test_an_incident_that_began_before_the_window_keeps_its_start_but_counts_only_inside() -> None:
    points = [pt(-500, "online"), pt(-100, "offline"), pt(50, "online")]
    report = compute_uptime(points, at(0), at(1000))
    [incident] = report.incidents
    assert incident.started_at == at(-100)
    assert incident.duration_s == 150
    assert report.down_s == 50


def test_an_incident_that_ended_before_the_window_is_left_out() -> None:
    points = [pt(-500, "online"), pt(-100, "offline"), pt(-50, "online")]
    assert compute_uptime(points, at(0), at(1000)).incidents == ()


def test_a_channel_never_monitored_in_the_window_has_no_percentage() -> None:
    report = compute_uptime([pt(-10, "stopped")], at(0), at(1000))
    assert report.uptime_percent is None
    assert compute_uptime([], at(0), at(1000)).uptime_percent is None


def test_changes_after_the_window_end_are_ignored() -> None:
    report = compute_uptime([pt(0, "online"), pt(2000, "offline")], at(0), at(1000))
    assert report.uptime_percent == 100.0


@pytest.mark.parametrize(
    ("previous", "status", "phase"),
    [
        (Phase.UNMONITORED, Status.ONLINE, Phase.UP),
        (Phase.UP, Status.DEGRADED, Phase.UP),
        (Phase.UP, Status.ERROR, Phase.DOWN),
        (Phase.DOWN, Status.STARTING, Phase.DOWN),
        (Phase.UNMONITORED, Status.STARTING, Phase.UNMONITORED),
        (Phase.UP, Status.STARTING, Phase.UNMONITORED),
        (Phase.DOWN, Status.STOPPED, Phase.UNMONITORED),
        (Phase.UNMONITORED, Status.QUEUED, Phase.UNMONITORED),
        (Phase.DOWN, Status.QUEUED, Phase.UNMONITORED),
    ],
)
def test_each_status_maps_to_a_phase(previous: Phase, status: Status, phase: Phase) -> None:
    assert phase_after(previous, status) is phase
