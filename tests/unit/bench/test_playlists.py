"""When the benchmark says a channel's HLS playlist lists segments and advances."""

from bench.playlists import PlaylistState, PlaylistTracker, moved_between, parse_playlist


def playlist(sequence: int, *segments: str) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2"]
    lines.append(f"#EXT-X-MEDIA-SEQUENCE:{sequence}")
    for segment in segments:
        lines += ["#EXTINF:2.000000,", segment]
    return "\n".join(lines) + "\n"


def test_a_playlist_gives_its_media_sequence_and_last_segment() -> None:
    state = parse_playlist(playlist(7, "index7.ts", "index8.ts"))
    assert state == PlaylistState(media_sequence=7, last_segment="index8.ts", segments=2)


def test_a_playlist_without_segments_or_with_a_broken_sequence_is_no_output() -> None:
    assert parse_playlist(playlist(0)) is None
    assert parse_playlist("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:x\nindex0.ts\n") is None
    assert parse_playlist("") is None


def test_a_channel_advances_when_its_last_segment_changes_after_the_first() -> None:
    tracker = PlaylistTracker(["a"], started_at=100.0)
    tracker.observe("a", None, 101.0)
    tracker.observe("a", playlist(0, "index0.ts"), 102.5)
    tracker.observe("a", playlist(0, "index0.ts"), 103.0)
    assert tracker.advancing() == []
    assert tracker.all_output_after_s() == 2.5
    tracker.observe("a", playlist(0, "index0.ts", "index1.ts"), 104.5)
    assert tracker.advancing() == ["a"]
    assert tracker.all_advancing_after_s() == 4.5


def test_all_advancing_waits_for_the_slowest_channel() -> None:
    tracker = PlaylistTracker(["a", "b"], started_at=0.0)
    tracker.observe_all({"a": playlist(0, "0.ts"), "b": None}, 1.0)
    tracker.observe_all({"a": playlist(0, "0.ts", "1.ts"), "b": playlist(0, "0.ts")}, 3.0)
    assert not tracker.all_advancing()
    assert tracker.all_advancing_after_s() is None
    tracker.observe_all({"a": playlist(1, "1.ts", "2.ts"), "b": playlist(0, "0.ts", "1.ts")}, 5.0)
    assert tracker.all_advancing_after_s() == 5.0


def test_a_restarted_muxer_that_rewrites_the_same_names_still_counts_as_moving() -> None:
    before = {"a": parse_playlist(playlist(5, "index9.ts")), "b": None}
    after = {
        "a": parse_playlist(playlist(0, "index9.ts")),
        "b": parse_playlist(playlist(0, "x.ts")),
    }
    assert moved_between(before, after) == ["a", "b"]
    assert moved_between(after, after) == []
