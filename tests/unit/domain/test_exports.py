"""How an export span becomes parts, how progress is shown, and which segments a kept span
(a lock, an export still to run) protects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streamfleet.domain.archive import ArchivedSegment
from streamfleet.domain.archive_locks import KeptSpan, KeptSpans
from streamfleet.domain.archive_span import MAX_LOCK_SPAN, check_span
from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.exports import ExportPart, download_name, plan_export, progress_of

T0 = datetime(2026, 12, 3, 22, 15, 0, tzinfo=UTC)


def seg(offset_s: float, rendition: str | None = None, size: int = 100) -> ArchivedSegment:
    at = T0 + timedelta(seconds=offset_s)
    folder = f"news/2026-12-03/22/{rendition}" if rendition else "news/2026-12-03/22"
    return ArchivedSegment(1, at, 2.0, size, f"{folder}/s{offset_s:g}.ts")


def test_a_span_without_gaps_is_one_part_ending_at_the_span_end() -> None:
    (part,) = plan_export([seg(0), seg(2), seg(4)], 2.0, T0 + timedelta(seconds=5))
    assert (part.index, part.start, part.end) == (1, T0, T0 + timedelta(seconds=5))
    assert len(part.segments) == 3
    assert part.duration_s == 5.0


def test_a_gap_cuts_the_span_into_parts_each_ending_with_its_recording() -> None:
    parts = plan_export([seg(0), seg(2), seg(30), seg(32)], 2.0, T0 + timedelta(minutes=5))
    assert [(p.index, p.start, p.end) for p in parts] == [
        (1, T0, T0 + timedelta(seconds=4)),
        (2, T0 + timedelta(seconds=30), T0 + timedelta(seconds=34)),
    ]


def test_a_ladder_exports_its_largest_rendition_only() -> None:
    segments = [seg(0, "360p", 100), seg(0, "720p", 300), seg(2, "360p", 100), seg(2, "720p", 300)]
    (part,) = plan_export(segments, 2.0, T0 + timedelta(seconds=4))
    assert [s.path.split("/")[3] for s in part.segments] == ["720p", "720p"]


def test_nothing_recorded_is_no_part() -> None:
    assert plan_export([], 2.0, T0) == []


def test_progress_stays_below_one_until_done_and_never_leaves_zero_to_one() -> None:
    assert progress_of(5.0, 10.0) == 0.5
    assert progress_of(12.0, 10.0) == 0.99
    assert progress_of(-1.0, 10.0) == 0.0
    assert progress_of(1.0, 0.0) == 0.0


def test_a_part_downloads_under_the_channel_its_utc_start_and_its_index() -> None:
    part = ExportPart(2, T0, T0 + timedelta(seconds=10))
    assert download_name("news", part) == "news_20261203T221500Z_2.mp4"


def test_a_kept_span_protects_every_segment_it_touches_of_its_channel_only() -> None:
    spans = KeptSpans([KeptSpan(1, T0 + timedelta(seconds=3), T0 + timedelta(seconds=5))])
    kept = [s.start for s in (seg(0), seg(2), seg(4), seg(6)) if spans.keeps(s)]
    assert kept == [T0 + timedelta(seconds=2), T0 + timedelta(seconds=4)]
    other = ArchivedSegment(2, T0 + timedelta(seconds=4), 2.0, 1, "x")
    assert not spans.keeps(other)
    assert not KeptSpans().keeps(seg(0))


@pytest.mark.parametrize(
    ("start", "end", "limit", "field", "message"),
    [
        (T0, T0, timedelta(days=1), "to", "must be after from"),
        (T0, T0 + timedelta(days=1, seconds=1), timedelta(days=1), "to", "24 hours"),
        (T0, T0 + timedelta(days=367), MAX_LOCK_SPAN, "to", "366 days"),
        (T0.replace(tzinfo=None), T0, timedelta(days=1), "from", "time zone"),
    ],
)
def test_a_bad_span_names_its_field(
    start: datetime, end: datetime, limit: timedelta, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_span(start, end, limit)
    (error,) = caught.value.errors
    assert error.field == field
    assert message in error.message
