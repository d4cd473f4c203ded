"""Where a segment is archived, when it starts, and how index rows become ranges and gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.archive import (
    ArchivedSegment,
    Gap,
    archive_path,
    hour_of,
    recorded_ranges,
    segment_start,
)

T0 = datetime(2026, 12, 3, 23, 59, 59, 500000, tzinfo=UTC)


def seg(offset_s: float, duration_s: float = 2.0, size: int = 100) -> ArchivedSegment:
    return ArchivedSegment(1, T0 + timedelta(seconds=offset_s), duration_s, size, "x")


def test_a_segment_is_archived_under_the_utc_day_and_hour_it_starts_in() -> None:
    paris = T0.astimezone(timezone(timedelta(hours=1)))  # 00:59 on the 4th there
    assert archive_path("news", paris, "a1_000001.ts") == "news/2026-12-03/23/a1_000001.ts"
    assert archive_path("news", T0, "a1_1.ts", "720p") == "news/2026-12-03/23/720p/a1_1.ts"
    assert hour_of("2026-12-03/23") == datetime(2026, 12, 3, 23, tzinfo=UTC)
    assert hour_of("2026-12-03/xx") is None


def test_the_start_is_the_program_date_time_else_the_publish_time_less_the_duration() -> None:
    assert segment_start("2026-12-03T23:59:59.500+0000", 0.0, 2.0) == T0
    assert segment_start("2026-12-04T00:59:59.500+01:00", 0.0, 2.0) == T0
    fallback = segment_start("not a time", T0.timestamp() + 2.0, 2.0)
    assert fallback == T0
    assert segment_start(None, T0.timestamp() + 2.0, 2.0) == T0


def test_consecutive_segments_are_one_range_and_a_pause_is_a_gap() -> None:
    ranges, gaps = recorded_ranges([seg(0), seg(2), seg(4), seg(20), seg(22)], 2.0)
    assert [(r.segments, r.bytes) for r in ranges] == [(3, 300), (2, 200)]
    assert ranges[0].end == T0 + timedelta(seconds=6)
    assert gaps == [Gap(T0 + timedelta(seconds=6), T0 + timedelta(seconds=20))]


def test_a_long_segment_cut_at_a_late_keyframe_is_no_gap() -> None:
    ranges, gaps = recorded_ranges([seg(0, 4.0), seg(4), seg(6)], 2.0)
    assert gaps == []
    assert ranges[0].end == T0 + timedelta(seconds=8)


@given(st.lists(st.floats(min_value=0, max_value=1e5, allow_nan=False), max_size=50))
def test_ranges_cover_every_segment_once_and_gaps_sit_between_them(offsets: list[float]) -> None:
    segments = [seg(o) for o in sorted(offsets)]
    ranges, gaps = recorded_ranges(segments, 2.0)
    assert sum(r.segments for r in ranges) == len(segments)
    assert len(gaps) == max(0, len(ranges) - 1)
    for before, gap, after in zip(ranges, gaps, ranges[1:], strict=False):
        assert before.end == gap.start < gap.end == after.start
