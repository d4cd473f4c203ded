"""The public playlist: a live window whose sequence numbers only grow, and that reads back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.media.playlist_summary import summarize
from streamfleet.media.public_playlist import (
    PublicPlaylist,
    Segment,
    parse_public,
    private_segments,
    public_master,
)

PRIVATE = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:2
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-03T13:03:40.573+0000
a123_000002.ts
#EXTINF:1.960000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-03T13:03:42.573+0000
a123_000003.ts
#EXTINF:2.000000,
a123_000004.ts.tmp
"""


def seg(n: int, *, discontinuity: bool = False, duration: float = 2.0) -> Segment:
    return Segment(f"a1_{n:06d}.ts", duration, discontinuity)


def test_ffmpeg_private_playlist_is_read_with_durations_and_date_times_but_no_tmp_entry() -> None:
    private = summarize(PRIVATE)
    assert private is not None
    assert private_segments(private) == (
        Segment("a123_000002.ts", 2.0, False, "2026-12-03T13:03:40.573+0000"),
        Segment("a123_000003.ts", 1.96, False, "2026-12-03T13:03:42.573+0000"),
    )
    master = summarize("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n")
    assert master is not None
    assert private_segments(master) == ()


def test_segments_beyond_the_list_size_slide_out_and_the_media_sequence_follows() -> None:
    state = PublicPlaylist(target_duration=2, list_size=3)
    state, gone = state.appended([seg(0), seg(1)])
    assert gone == ()
    state, gone = state.appended([seg(2), seg(3), seg(4)])
    assert gone == (seg(0), seg(1))
    assert state.media_sequence == 2
    assert [s.uri for s in state.segments] == ["a1_000002.ts", "a1_000003.ts", "a1_000004.ts"]


def test_the_discontinuity_sequence_counts_the_discontinuities_that_slid_out() -> None:
    """RFC 8216 §6.2.2: the tag of a removed segment moves into EXT-X-DISCONTINUITY-SEQUENCE."""
    state = PublicPlaylist(target_duration=2, list_size=2)
    state, _ = state.appended([seg(0), seg(1, discontinuity=True)])
    assert state.discontinuity_sequence == 0
    state, _ = state.appended([seg(2)])
    assert state.discontinuity_sequence == 0  # the discontinuity is still in the window
    state, _ = state.appended([seg(3, discontinuity=True), seg(4)])
    assert state.discontinuity_sequence == 1
    state, _ = state.appended([seg(5)])
    assert state.discontinuity_sequence == 2
    text = state.render()
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:2\n" in text
    assert "#EXT-X-MEDIA-SEQUENCE:4\n" in text


def test_the_rendered_playlist_names_each_segment_with_its_tags_in_order() -> None:
    state = PublicPlaylist(target_duration=2, list_size=5)
    state, _ = state.appended(
        [Segment("a_1.ts", 2.0, False, "2026-12-03T13:00:00.000+0000"), seg(7, discontinuity=True)]
    )
    assert state.render() == (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-PROGRAM-DATE-TIME:2026-12-03T13:00:00.000+0000\n#EXTINF:2.000000,\na_1.ts\n"
        "#EXT-X-DISCONTINUITY\n#EXTINF:2.000000,\na1_000007.ts\n"
    )


def test_the_target_duration_grows_for_a_longer_segment_and_never_shrinks() -> None:
    state = PublicPlaylist(target_duration=2, list_size=2)
    state, _ = state.appended([seg(0, duration=2.0004), seg(1, duration=3.2)])
    assert state.target_duration == 4
    state, _ = state.appended([seg(2), seg(3)])
    assert state.target_duration == 4


def test_a_smaller_list_size_drops_the_oldest_and_counts_them() -> None:
    state = PublicPlaylist(target_duration=2, list_size=4)
    state, _ = state.appended([seg(0, discontinuity=True), seg(1), seg(2)])
    smaller = state.resized(1)
    assert smaller.media_sequence == 2
    assert smaller.discontinuity_sequence == 1
    assert smaller.segments == (seg(2),)


def test_the_public_master_names_the_public_variant_playlists() -> None:
    private = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/.ffmpeg.m3u8\n"
    assert public_master(private) == "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n"


def test_a_master_or_garbage_is_not_read_as_a_public_media_playlist() -> None:
    assert parse_public("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n", 5) is None
    assert parse_public("<html>", 5) is None


durations = st.floats(min_value=0.04, max_value=12.0, allow_nan=False)
batches = st.lists(
    st.lists(st.tuples(durations, st.booleans(), st.booleans()), max_size=8), max_size=25
)


@given(list_size=st.integers(1, 10), batches=batches)
def test_sequences_only_grow_and_every_render_parses_back(
    list_size: int, batches: list[list[tuple[float, bool, bool]]]
) -> None:
    """Whatever arrives: media sequence and discontinuity sequence never go back, the
    discontinuity sequence equals the discontinuities that left, and the text reads back."""
    state = PublicPlaylist(target_duration=2, list_size=list_size)
    number = 0
    left_discontinuities = 0
    total = 0
    for batch in batches:
        new = []
        for duration, discontinuity, dated in batch:
            stamp = f"2026-12-03T13:00:{number % 60:02d}.000+0000" if dated else None
            new.append(Segment(f"a9_{number:06d}.ts", round(duration, 6), discontinuity, stamp))
            number += 1
        before = state
        state, gone = state.appended(new)
        total += len(new)
        left_discontinuities += sum(1 for s in gone if s.discontinuity)
        assert state.media_sequence >= before.media_sequence
        assert state.discontinuity_sequence == left_discontinuities
        assert state.media_sequence + len(state.segments) == total
        assert len(state.segments) <= list_size
        assert all(round(s.duration_s) <= state.target_duration for s in state.segments)
        assert parse_public(state.render(), list_size) == state
