"""The one time format of the API, events and notifications."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from streamfleet.domain.times import iso_utc

T0 = datetime(2026, 11, 24, 19, 45, 0, 123456, tzinfo=UTC)


def test_iso_times_are_utc_with_milliseconds() -> None:
    berlin = T0.astimezone(ZoneInfo("Europe/Berlin"))
    assert iso_utc(berlin) == "2026-11-24T19:45:00.123Z"


def test_a_naive_time_is_taken_as_utc() -> None:
    assert iso_utc(T0.replace(tzinfo=None)) == "2026-11-24T19:45:00.123Z"


def test_a_whole_second_still_shows_its_milliseconds() -> None:
    assert iso_utc(T0.replace(microsecond=0)) == "2026-11-24T19:45:00.000Z"
