"""Reading back what FFmpeg's HLS muxer wrote."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.media.playlist_summary import summarize

RESTARTED = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-24T19:55:30.729+0000
seg_7.ts
#EXT-X-DISCONTINUITY
#EXTINF:4.033333,
#EXT-X-PROGRAM-DATE-TIME:2026-11-24T19:55:40.729+0000
seg_8.ts
"""


def test_sequence_target_segments_and_discontinuities_are_read() -> None:
    summary = summarize(RESTARTED)
    assert summary is not None
    assert summary.media_sequence == 7
    assert summary.target_duration_s == 4.0
    assert summary.segments == ("seg_7.ts", "seg_8.ts")
    assert summary.last_duration_s == 4.033333
    assert [s.discontinuity for s in summary.entries] == [False, True]
    assert summary.entries[1].program_date_time == "2026-11-24T19:55:40.729+0000"
    assert summary.discontinuity_sequence == 0
    assert not summary.ended
    assert not summary.is_master


def test_a_uri_without_a_readable_duration_is_not_a_segment() -> None:
    summary = summarize("#EXTM3U\n#EXTINF:nan,\na.ts\nb.ts\n#EXTINF:2,\nc.ts\n")
    assert summary is not None
    assert summary.segments == ("c.ts",)


def test_a_master_playlist_says_so() -> None:
    summary = summarize("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n")
    assert summary is not None
    assert summary.is_master


def test_a_file_that_is_not_a_playlist_gives_none() -> None:
    assert summarize("<html>") is None


@given(st.text(max_size=500))
def test_any_text_after_the_header_parses_without_raising(text: str) -> None:
    summarize("#EXTM3U\n" + text)
