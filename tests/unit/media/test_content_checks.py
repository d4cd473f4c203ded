"""Black, frozen and silent: the rules, and when a condition starts and ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from streamfleet.media.content_checks import (
    BLACK_PIXEL_MAX,
    ConditionTracker,
    ContentCheck,
    enabled_checks,
    is_black,
    is_frozen,
    is_silent,
    mean_difference,
)

T0 = datetime(2026, 11, 24, 19, 45, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def picture(value: int) -> np.ndarray:
    return np.full((36, 64), value, dtype=np.uint8)


def test_an_all_dark_picture_is_black_and_mid_grey_is_not() -> None:
    """Pixels at or below 10 % luma are black."""
    assert is_black(picture(0))
    assert is_black(picture(BLACK_PIXEL_MAX))
    assert not is_black(picture(128))


def test_a_black_picture_with_a_small_logo_is_still_black_but_not_with_a_big_one() -> None:
    """98 % of the pixels must be black."""
    small_logo = picture(0)
    small_logo[:2, :20] = 255  # 40 of 2304 pixels
    big_logo = picture(0)
    big_logo[:10, :20] = 255  # 200 of 2304 pixels
    assert is_black(small_logo)
    assert not is_black(big_logo)


def test_the_same_picture_twice_is_frozen_and_a_changed_one_is_not() -> None:
    """A tiny mean difference (encoder noise) still counts as the same picture."""
    first = picture(100)
    noisy = first.copy()
    noisy[0, :10] += 3
    moved = first.copy()
    moved[:, :16] = 200
    assert is_frozen(first, noisy)
    assert not is_frozen(first, moved)
    assert not is_frozen(None, first)


def test_pictures_of_different_sizes_are_never_the_same() -> None:
    """A resolution change is not a freeze."""
    assert mean_difference(picture(1), np.zeros((18, 32), dtype=np.uint8)) == float("inf")


def test_silence_is_at_or_below_minus_60_dbfs_and_no_audio_cannot_be_judged() -> None:
    """-60 dBFS is silent, -40 is not, no level is unknown."""
    assert is_silent(-60.0) is True
    assert is_silent(-40.0) is False
    assert is_silent(None) is None


def test_unknown_check_names_are_ignored() -> None:
    """Only black, freeze and silence are checks."""
    assert enabled_checks(["black", "loudness", "silence"]) == {
        ContentCheck.BLACK,
        ContentCheck.SILENCE,
    }


def test_a_condition_starts_once_it_lasted_its_minimum_dated_from_its_first_sample() -> None:
    """Two seconds of black raise "start" at the first black sample."""
    tracker = ConditionTracker(ContentCheck.BLACK, min_duration_s=2.0)
    assert tracker.observe(True, at(0)) is None
    assert tracker.observe(True, at(1)) is None
    started = tracker.observe(True, at(2))
    assert started is not None
    assert (started.check, started.state, started.at) == (ContentCheck.BLACK, "start", at(0))
    assert tracker.observe(True, at(3)) is None


def test_a_condition_shorter_than_its_minimum_raises_nothing() -> None:
    """A one-second fade to black is not an incident."""
    tracker = ConditionTracker(ContentCheck.BLACK, min_duration_s=2.0)
    assert tracker.observe(True, at(0)) is None
    assert tracker.observe(False, at(1)) is None
    assert tracker.observe(True, at(2)) is None
    assert tracker.observe(True, at(3.5)) is None


def test_a_condition_ends_at_its_first_sample_without_it() -> None:
    """ "end" carries the time of the first good sample."""
    tracker = ConditionTracker(ContentCheck.SILENCE, min_duration_s=0.0)
    assert tracker.observe(True, at(0)) is not None
    ended = tracker.observe(False, at(5))
    assert ended is not None
    assert ended.to_data() == {"check": "silence", "state": "end", "at": "2026-11-24T19:45:05.000Z"}
    assert tracker.observe(False, at(6)) is None


def test_an_unknown_sample_changes_nothing() -> None:
    """No audio in a segment neither starts nor ends silence."""
    tracker = ConditionTracker(ContentCheck.SILENCE, min_duration_s=0.0)
    assert tracker.observe(True, at(0)) is not None
    assert tracker.observe(None, at(1)) is None
    assert tracker.active


@pytest.mark.parametrize("check", list(ContentCheck))
def test_reset_ends_an_active_condition_and_is_quiet_otherwise(check: ContentCheck) -> None:
    """A channel that stops being watched ends its conditions."""
    tracker = ConditionTracker(check, min_duration_s=0.0)
    assert tracker.reset(at(0)) is None
    tracker.observe(True, at(1))
    ended = tracker.reset(at(2))
    assert ended is not None
    assert ended.state == "end"
