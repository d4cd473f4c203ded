"""Reading HLS playlists: the newest complete segment, and master-playlist variants."""

from __future__ import annotations

from streamfleet.media.playlist_segments import (
    SegmentEntry,
    Variant,
    is_master_playlist,
    largest_variant,
    media_segments,
    newest_segment,
    smallest_variant,
    variants,
)

MEDIA = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:41
#EXT-X-PROGRAM-DATE-TIME:2026-11-24T19:45:00.000Z
#EXTINF:2.000000,
index41.ts
#EXTINF:2.040000,
index42.ts
#EXTINF:1.960000,
index43.ts
"""

MASTER = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=5500000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2"
1080p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3300000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"
720p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=854x480
480p/index.m3u8
"""


def test_the_segments_of_a_media_playlist_come_oldest_first_with_durations() -> None:
    """Every EXTINF pairs with the URI after it."""
    assert media_segments(MEDIA) == [
        SegmentEntry("index41.ts", 2.0),
        SegmentEntry("index42.ts", 2.04),
        SegmentEntry("index43.ts", 1.96),
    ]


def test_the_newest_segment_is_the_last_listed() -> None:
    """The last entry is the newest complete segment."""
    assert newest_segment(MEDIA) == SegmentEntry("index43.ts", 1.96)


def test_a_segment_still_being_written_is_never_chosen() -> None:
    """A .tmp entry is left out."""
    assert newest_segment(MEDIA + "#EXTINF:2.0,\nindex44.ts.tmp\n") == SegmentEntry(
        "index43.ts", 1.96
    )


def test_an_empty_or_fresh_playlist_has_no_newest_segment() -> None:
    """No entries yet, no segment."""
    assert newest_segment("") is None
    assert newest_segment("#EXTM3U\n#EXT-X-TARGETDURATION:2\n") is None


def test_a_broken_duration_drops_only_that_entry() -> None:
    """An EXTINF that is not a number does not take the rest down."""
    text = "#EXTINF:abc,\nbad.ts\n#EXTINF:2.0,\ngood.ts\n"
    assert media_segments(text) == [SegmentEntry("good.ts", 2.0)]


def test_a_master_playlist_lists_its_variants_with_bandwidth_and_size() -> None:
    """Quoted attributes with commas do not confuse the attribute list."""
    assert is_master_playlist(MASTER)
    assert not is_master_playlist(MEDIA)
    assert variants(MASTER) == [
        Variant("1080p/index.m3u8", 5_500_000, 1920, 1080),
        Variant("720p/index.m3u8", 3_300_000, 1280, 720),
        Variant("480p/index.m3u8", 1_400_000, 854, 480),
    ]


def test_thumbnails_read_the_cheapest_variant_and_media_info_the_best() -> None:
    """Lowest bandwidth for decoding, highest for describing."""
    assert smallest_variant(MASTER) == Variant("480p/index.m3u8", 1_400_000, 854, 480)
    assert largest_variant(MASTER) == Variant("1080p/index.m3u8", 5_500_000, 1920, 1080)
    assert smallest_variant(MEDIA) is None
