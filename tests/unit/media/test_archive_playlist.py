"""Catch-up and timeshift playlists from index rows: tags, discontinuities, stable numbering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.archive import ArchivedSegment, archive_path
from streamfleet.media.archive_playlist import (
    HOUR_STRIDE,
    PlaylistType,
    Variant,
    archive_playlist,
    breaks,
    master_playlist,
    timeshift_window,
    variants_of,
)
from streamfleet.media.playlist_summary import summarize

T0 = datetime(2026, 5, 1, 10, 59, 50, tzinfo=UTC)
LOOKBACK = timedelta(seconds=60)


def run(
    start: datetime, count: int, *, prefix: str = "a1", first: int = 0, rendition: str | None = None
) -> list[ArchivedSegment]:
    """``count`` contiguous 2 s segments of one child from ``start``."""
    return [
        ArchivedSegment(
            1,
            start + timedelta(seconds=2 * n),
            2.0,
            250_000,
            archive_path(
                "news", start + timedelta(seconds=2 * n), f"{prefix}_{first + n}.ts", rendition
            ),
        )
        for n in range(count)
    ]


def test_a_vod_playlist_names_archive_files_and_ends() -> None:
    text = archive_playlist(run(T0, 3), PlaylistType.VOD, ended=True)
    assert text.splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:2",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        "#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:59:50.000Z",
        "#EXTINF:2.000000,",
        "archive/2026-05-01/10/a1_0.ts",
        "#EXTINF:2.000000,",
        "archive/2026-05-01/10/a1_1.ts",
        "#EXTINF:2.000000,",
        "archive/2026-05-01/10/a1_2.ts",
        "#EXT-X-ENDLIST",
    ]


def test_a_gap_a_new_child_and_a_missing_segment_each_start_after_a_discontinuity() -> None:
    segments = [
        *run(T0, 2),
        *run(T0 + timedelta(seconds=14), 2, first=2),  # a 10 s gap (the numbers run on)
        *run(T0 + timedelta(seconds=18), 1, prefix="a2"),  # a new child, no gap
        *run(T0 + timedelta(seconds=20), 1, prefix="a2", first=2),  # a2_1 missing
    ]
    text = archive_playlist(segments, PlaylistType.VOD, ended=True)
    lines = text.splitlines()
    assert lines.count("#EXT-X-DISCONTINUITY") == 3
    for uri in ("a1_2.ts", "a2_0.ts", "a2_2.ts"):
        at = next(i for i, line in enumerate(lines) if line.endswith(uri))
        assert lines[at - 3] == "#EXT-X-DISCONTINUITY"
        assert lines[at - 2].startswith("#EXT-X-PROGRAM-DATE-TIME:")
    assert lines.count("#EXTINF:2.000000,") == 6


def test_a_small_jitter_is_not_a_discontinuity() -> None:
    first, second = run(T0, 2)
    late = ArchivedSegment(1, second.start + timedelta(seconds=0.3), 2.0, 1, second.path)
    assert not breaks(first, late)


def test_an_event_playlist_has_no_endlist_until_its_span_ends_and_keeps_the_channels_target() -> (
    None
):
    growing = archive_playlist(run(T0, 2), PlaylistType.EVENT, ended=False, at_least=4)
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in growing
    assert "#EXT-X-TARGETDURATION:4" in growing
    assert "#EXT-X-ENDLIST" not in growing
    assert "#EXT-X-ENDLIST" in archive_playlist(run(T0, 2), PlaylistType.EVENT, ended=True)


def test_the_target_duration_is_the_longest_segment_rounded_up() -> None:
    long = ArchivedSegment(1, T0, 2.4, 1, archive_path("news", T0, "a1_0.ts"))
    assert "#EXT-X-TARGETDURATION:3" in archive_playlist([long], PlaylistType.VOD, ended=True)


def test_a_timeshift_window_holds_the_last_segments_complete_at_the_cutoff() -> None:
    segments = run(T0, 20)
    cutoff = T0 + timedelta(seconds=21)  # the segment 10..12 s after T0+20 s is not complete
    window = timeshift_window(segments, cutoff, 3, LOOKBACK)
    assert window is not None
    assert [s.path.rsplit("/", 1)[1] for s in window.segments] == ["a1_7.ts", "a1_8.ts", "a1_9.ts"]
    summary = summarize(window.render())
    assert summary is not None
    assert summary.media_sequence == window.media_sequence


def test_a_timeshift_window_is_none_when_nothing_was_recorded_then() -> None:
    segments = run(T0, 5)
    assert timeshift_window(segments, T0 + timedelta(hours=1), 3, LOOKBACK) is None
    assert timeshift_window(segments, T0, 3, LOOKBACK) is None


@given(st.integers(min_value=4, max_value=60), st.integers(min_value=1, max_value=6))
def test_a_segment_keeps_its_sequence_numbers_as_the_window_slides(later: int, size: int) -> None:
    """Numbered from the hour the window starts in: the same segment, the same numbers,
    however far the window has moved (within that hour) and whatever was recorded before."""
    segments = [
        *run(T0 + timedelta(seconds=20), 30),
        *run(T0 + timedelta(seconds=90), 30, prefix="a2"),
    ]
    seen: dict[str, tuple[int, int]] = {}
    for cutoff_s in (later, later + 7, later + 31):
        cutoff = T0 + timedelta(seconds=20 + 2 * cutoff_s)
        window = timeshift_window(segments, cutoff, size, LOOKBACK)
        if window is None:
            continue
        cc = window.discontinuity_sequence
        for index, segment in enumerate(window.segments):
            if index and breaks(window.segments[index - 1], segment):
                cc += 1
            numbers = (window.media_sequence + index, cc)
            assert seen.setdefault(segment.path, numbers) == numbers


def test_timeshift_numbers_never_go_back_across_an_hour() -> None:
    segments = run(T0, 20)  # from 10:59:50 into 11:00:30
    sequences = []
    for n in range(4, 20):
        window = timeshift_window(segments, T0 + timedelta(seconds=2 * n + 2), 3, LOOKBACK)
        assert window is not None
        sequences.append(window.media_sequence)
    assert sequences == sorted(sequences)
    eleven = int(datetime(2026, 5, 1, 11, tzinfo=UTC).timestamp()) // 3600
    assert sequences[-1] == eleven * HOUR_STRIDE + 12  # 11:00:00 is a1_5; the window from a1_17


def test_a_ladder_master_names_each_rendition_by_its_peak_rate() -> None:
    segments = [*run(T0, 2, rendition="720p"), *run(T0, 2, rendition="480p")]
    small = ArchivedSegment(1, T0, 2.0, 100_000, archive_path("news", T0, "a1_9.ts", "480p"))
    variants = variants_of([*segments[:2], small])
    assert variants == [Variant("720p", 1_000_000), Variant("480p", 400_000)]
    assert master_playlist(variants, "archive.m3u8?from=x").splitlines()[-2:] == [
        "#EXT-X-STREAM-INF:BANDWIDTH=400000",
        "480p/archive.m3u8?from=x",
    ]
    assert variants_of(run(T0, 2)) == []
