"""When an N holds in the capacity search, and the ladder of N it tries."""

from __future__ import annotations

from dataclasses import replace

import pytest
from bench.capacity import CapacityPlan, ladder, why_not_held
from bench.playlists import PlaylistState, segments_added
from bench.results import ContenderResult, LatencySummary, StreamfleetFigures

SEGMENT_S = 2.0


def held_result(**changes: object) -> ContenderResult:
    base = ContenderResult(
        name="bare-ffmpeg",
        channels=20,
        window_s=60.0,
        channels_advancing_in_window=20,
        slowest_realtime_ratio=0.97,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def streamfleet_figures(**changes: object) -> StreamfleetFigures:
    base = StreamfleetFigures(offline_detection=LatencySummary(p95_s=1.5), false_offline_events=0)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_every_playlist_at_real_time_holds() -> None:
    assert why_not_held(held_result(), SEGMENT_S) == ""


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"error": "boom"}, "failed: boom"),
        ({"channels_advancing_in_window": 19}, "19/20 playlists advanced"),
        ({"slowest_realtime_ratio": 0.85}, "a playlist fell behind real time (0.85 x, floor 0.92)"),
        ({"slowest_realtime_ratio": None}, "a playlist fell behind real time (None x, floor 0.92)"),
    ],
)
def test_a_failed_start_a_stuck_or_a_slow_playlist_does_not_hold(
    changes: dict[str, object], reason: str
) -> None:
    assert why_not_held(held_result(**changes), SEGMENT_S) == reason


@pytest.mark.parametrize(
    ("figures", "reason"),
    [
        (streamfleet_figures(), ""),
        (
            streamfleet_figures(window_status_changes={"degraded": 2, "online": 0}),
            "status changes in the window: {'degraded': 2}",
        ),
        (streamfleet_figures(false_offline_events=1), "1 false offline events"),
        (
            streamfleet_figures(offline_detection=LatencySummary(p95_s=1.0, missed=1)),
            "1 offline detections missed",
        ),
        (
            streamfleet_figures(offline_detection=LatencySummary(p95_s=2.3)),
            "offline detection p95 2.3 s > 2 s",
        ),
    ],
)
def test_streamfleet_also_needs_steady_statuses_and_detection_within_2_s(
    figures: StreamfleetFigures, reason: str
) -> None:
    assert why_not_held(held_result(streamfleet=figures), SEGMENT_S) == reason


def test_the_ladder_goes_from_start_by_step_up_to_the_maximum() -> None:
    assert ladder(CapacityPlan(20, 10, 55)) == [20, 30, 40, 50]


def test_segments_added_counts_by_media_sequence() -> None:
    before = PlaylistState(media_sequence=10, last_segment="seg_15.ts", segments=6)
    after = PlaylistState(media_sequence=40, last_segment="seg_45.ts", segments=6)
    assert segments_added(before, after) == 30
    assert segments_added(None, after) == 0
    assert segments_added(after, before) == 0
