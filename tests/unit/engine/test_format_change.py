"""The exit of a producing child at a source's format change is held, not reported."""

from __future__ import annotations

import pytest

from streamfleet.engine.format_change import HeldExit
from streamfleet.media.exit_reason import is_format_change

FORMAT_CHANGE = (
    "Terminating thread with return code -1094995529 (Invalid data found when processing input)"
)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (FORMAT_CHANGE, True),
        ("corrupt input packet in stream 0", True),
        ("FFmpeg was killed by signal 9", False),
        ("source silent: no progress for 1.2 s", False),
        ("Connection refused", False),
    ],
)
def test_a_format_change_is_known_by_the_demuxer_refusing_its_data(
    reason: str, expected: bool
) -> None:
    assert is_format_change(reason) is expected


def test_a_producing_childs_format_change_is_held_for_the_grace_then_due() -> None:
    held = HeldExit()
    assert held.held_for(True, FORMAT_CHANGE, now=10.0)
    assert held.due(now=14.9) is None
    assert held.due(now=15.0) == FORMAT_CHANGE
    assert held.due(now=16.0) is None  # reported once


def test_the_next_child_producing_in_time_releases_it_unreported() -> None:
    held = HeldExit()
    held.held_for(True, FORMAT_CHANGE, now=10.0)
    assert held.release()
    assert held.due(now=100.0) is None


@pytest.mark.parametrize(
    ("produced", "reason"),
    [(False, FORMAT_CHANGE), (True, "FFmpeg was killed by signal 9"), (True, "the source ended")],
)
def test_other_exits_are_not_held(produced: bool, reason: str) -> None:
    assert not HeldExit().held_for(produced, reason, now=0.0)


def test_a_second_format_change_in_a_row_is_reported() -> None:
    """The next child failed the same way: the source is not merely changing format."""
    held = HeldExit()
    assert held.held_for(True, FORMAT_CHANGE, now=0.0)
    assert not held.held_for(True, FORMAT_CHANGE, now=1.0)
