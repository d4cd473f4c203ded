"""What the failover benchmark's player makes of the playlist versions it read."""

from pathlib import Path

from bench.hls_player import (
    PlaylistPlayer,
    Seen,
    discontinuity_at_moves,
    longest_stall_s,
    newest_gaps_s,
    sequences_only_grow,
)

from streamfleet.media.public_playlist import PublicPlaylist, Segment


def version(at: float, sequence: int, *uris: str, disc_seq: int = 0, marked: str = "") -> Seen:
    segments = tuple(Segment(uri, 2.0, discontinuity=uri == marked) for uri in uris)
    return Seen(at, PublicPlaylist(2, 6, sequence, disc_seq, segments))


MOVE = [
    version(0.0, 10, "e1-a.ts", "e1-b.ts"),
    version(2.0, 10, "e1-a.ts", "e1-b.ts", "e1-c.ts"),
    version(7.5, 10, "e1-a.ts", "e1-b.ts", "e1-c.ts", "e2-a.ts", marked="e2-a.ts"),
    version(9.5, 11, "e1-b.ts", "e1-c.ts", "e2-a.ts", "e2-b.ts", marked="e2-a.ts"),
]


def test_the_stall_is_the_longest_time_the_newest_segment_stayed_the_newest() -> None:
    assert newest_gaps_s(MOVE, until=10.0) == [2.0, 5.5, 2.0, 0.5]
    assert longest_stall_s(MOVE, until=10.0) == 5.5
    assert longest_stall_s(MOVE, until=20.0) == 10.5  # nothing new since
    assert longest_stall_s([], until=1.0) == 0.0


def test_a_move_is_marked_when_the_new_epochs_first_segment_has_a_discontinuity() -> None:
    assert discontinuity_at_moves(MOVE) is True
    unmarked = [*MOVE[:2], version(7.5, 10, "e1-c.ts", "e2-a.ts")]
    assert discontinuity_at_moves(unmarked) is False
    assert discontinuity_at_moves(MOVE[:2]) is None  # no move seen


def test_a_move_is_judged_across_versions_by_media_sequence_number() -> None:
    """What a loaded run of the clean-stop move test saw (2026-12-05): the new holder's first
    publish listed three of its segments, so no version held both epochs; a player reloading
    went from sequence 3 (``e1-d``) to 4 (``e2-a``), and 4 carries the discontinuity."""
    window = ["e1-b.ts", "e1-c.ts", "e1-d.ts"]
    before = version(0.0, 1, *window)
    marked_at_once = version(3.0, 4, "e2-a.ts", "e2-b.ts", "e2-c.ts", marked="e2-a.ts")
    assert discontinuity_at_moves([before, marked_at_once]) is True
    unmarked = version(3.0, 4, "e2-a.ts", "e2-b.ts", "e2-c.ts")
    assert discontinuity_at_moves([before, unmarked]) is False
    # the player missed sequence 4 altogether: segment 3's successor is unknown
    missed = version(3.0, 5, "e2-b.ts", "e2-c.ts", "e2-d.ts")
    assert discontinuity_at_moves([before, missed]) is None


def test_sequences_that_go_back_are_caught() -> None:
    assert sequences_only_grow(MOVE)
    assert not sequences_only_grow([*MOVE, version(11.0, 10, "e2-b.ts")])
    assert not sequences_only_grow([version(0, 5, "a", disc_seq=2), version(1, 6, "b")])


def test_the_player_keeps_each_distinct_version_and_knows_the_newest_epoch(
    tmp_path: Path,
) -> None:
    path = tmp_path / "index.m3u8"
    player = PlaylistPlayer(path)
    player.read(0.0)  # not written yet
    path.write_text(MOVE[1].playlist.render())
    player.read(1.0)
    player.read(1.1)
    path.write_text(MOVE[3].playlist.render())
    player.read(2.0)
    assert [v.at for v in player.seen] == [1.0, 2.0]
    assert player.newest_epoch() == 2
    assert player.epochs_after(1) == 2
