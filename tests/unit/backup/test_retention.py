"""The retention policy keeps every recent backup, one a day for a month, and the newest always."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.backup.retention import RetentionPolicy, backup_name, taken_at, to_keep, to_prune

NOW = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
POLICY = RetentionPolicy()


def hourly(hours: int) -> list[datetime]:
    """A backup every hour on the hour for the last ``hours`` hours."""
    last = NOW.replace(minute=0)
    return [last - timedelta(hours=h) for h in range(hours)]


def test_forty_days_of_hourly_backups_keep_seven_days_plus_one_a_day_to_thirty() -> None:
    taken = hourly(40 * 24)

    kept = to_keep(taken, NOW, POLICY)

    recent = {t for t in taken if NOW - t <= timedelta(days=7)}
    assert recent <= kept
    older = sorted(kept - recent)
    assert all(timedelta(days=7) < NOW - t <= timedelta(days=30) for t in older)
    assert len({t.date() for t in older}) == len(older)  # one a day
    assert all(t.hour == 0 for t in older[1:])  # the first of each whole day
    assert len(recent) == 7 * 24
    assert len(kept) == len(recent) + len(older)
    assert 22 <= len(older) <= 24


def test_the_newest_backup_is_kept_however_old() -> None:
    old = NOW - timedelta(days=90)
    assert to_keep([old, old - timedelta(days=1)], NOW, POLICY) == {old}


def test_nothing_to_keep_from_nothing() -> None:
    assert to_keep([], NOW, POLICY) == set()


@given(st.lists(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 3, 1))))
def test_kept_backups_are_a_subset_and_never_older_than_the_daily_window_but_the_newest(
    naive: list[datetime],
) -> None:
    taken = [t.replace(tzinfo=UTC) for t in naive]
    kept = to_keep(taken, NOW, POLICY)
    assert kept <= set(taken)
    if taken:
        assert max(taken) in kept
    for moment in kept - {max(taken, default=NOW)}:
        assert NOW - moment <= POLICY.keep_daily


def test_a_backup_name_says_when_it_was_taken() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert backup_name(moment) == "streamfleet-20260102T030405Z"
    assert taken_at(backup_name(moment)) == moment
    assert taken_at("streamfleet-2026") is None
    assert taken_at("notes.txt") is None


def test_a_daily_window_shorter_than_the_hourly_one_is_refused() -> None:
    with pytest.raises(ValueError, match="keep_daily must be at least keep_all"):
        RetentionPolicy(keep_all=timedelta(days=7), keep_daily=timedelta(days=1))


def test_pruning_drops_what_the_policy_does_not_keep_and_unfinished_backups_before_the_newest() -> (
    None
):
    finished = hourly(40 * 24)
    stale = NOW - timedelta(days=2, minutes=10)  # unfinished, older than the newest finished
    running = NOW + timedelta(minutes=5)  # unfinished, newer: a run still writing

    pruned = to_prune(finished, [stale, running], NOW, POLICY)

    assert pruned == (set(finished) - to_keep(finished, NOW, POLICY)) | {stale}


def test_without_a_finished_backup_nothing_is_pruned() -> None:
    assert to_prune([], [NOW - timedelta(days=90)], NOW, POLICY) == set()
