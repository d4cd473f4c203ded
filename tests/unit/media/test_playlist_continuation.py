"""A child continuing the public window: after a restart, and on a fleet after a move."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.media.hls_args import segment_prefix
from streamfleet.media.playlist_continuation import ChildCursor, resume, segment_number
from streamfleet.media.public_playlist import PublicPlaylist, Segment, parse_public

LIST_SIZE = 3


def segments(prefix: str, *numbers: int) -> list[Segment]:
    return [Segment(f"{prefix}_{n:06d}.ts", 1.0) for n in numbers]


def published(prefix: str, count: int, first: int = 0) -> PublicPlaylist:
    """The window a child of ``prefix`` left after publishing ``count`` segments."""
    state = resume(None, LIST_SIZE, 1.0)
    cursor = ChildCursor.after(state, prefix)
    cursor, new = cursor.take(segments(prefix, *range(first, first + count)))
    return state.appended(new)[0]


def test_a_segment_number_belongs_to_its_prefix_only_epoch_included() -> None:
    old, new = segment_prefix(1700, epoch=3), segment_prefix(1700, epoch=4)
    assert segment_number(f"{old}_000007.ts", old) == 7
    assert segment_number(f"{old}_000007.ts", new) is None
    assert segment_number("a1700_000007.ts", new) is None


def test_nothing_on_disk_starts_an_empty_window_without_a_discontinuity() -> None:
    state = resume(None, LIST_SIZE, 2.0)
    assert (state.media_sequence, state.segments, state.target_duration) == (0, (), 2)
    _, new = ChildCursor.after(state, "a1").take(segments("a1", 0))
    assert [s.discontinuity for s in new] == [False]


def test_after_a_move_the_new_epoch_continues_the_sequence_behind_one_discontinuity() -> None:
    """Worker B (epoch 4) reads what worker A (epoch 3) published: A's segments stay until
    they slide out, B's first comes after a discontinuity, the media sequence goes on."""
    old, new = segment_prefix(1000, epoch=3), segment_prefix(2000, epoch=4)
    on_disk = published(old, 5).render()  # media sequence 2: old 2, 3, 4 listed
    state = resume(on_disk, LIST_SIZE, 1.0)
    cursor = ChildCursor.after(state, new)
    # B's private playlist; a frozen A's FFmpeg writes other names, never taken here
    cursor, taken = cursor.take([*segments(old, 5, 6), *segments(new, 0)])
    state, gone = state.appended(taken)
    assert [s.uri for s in gone] == [f"{old}_000002.ts"]
    text = state.render()
    assert "#EXT-X-MEDIA-SEQUENCE:3\n" in text
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:0\n" in text
    assert text.count("#EXT-X-DISCONTINUITY\n") == 1
    assert [(s.uri, s.discontinuity) for s in state.segments] == [
        (f"{old}_000003.ts", False),
        (f"{old}_000004.ts", False),
        (f"{new}_000000.ts", True),
    ]
    for number in (1, 2, 3):  # the old epoch rolls out, the discontinuity with it
        cursor, taken = cursor.take(segments(new, number))
        state, _ = state.appended(taken)
    assert (state.media_sequence, state.discontinuity_sequence) == (6, 1)
    assert [s.uri for s in state.segments] == [f"{new}_00000{n}.ts" for n in (1, 2, 3)]
    assert not any(s.discontinuity for s in state.segments)


def test_numbers_skipped_between_two_reads_leave_a_discontinuity() -> None:
    cursor, _ = ChildCursor("a1").take(segments("a1", 0, 1))
    cursor, new = cursor.take(segments("a1", 1, 4, 5))
    assert [(s.uri, s.discontinuity) for s in new] == [
        ("a1_000004.ts", True),
        ("a1_000005.ts", False),
    ]
    assert cursor.last_number == 5


def test_a_segment_already_taken_is_never_taken_again() -> None:
    cursor, first = ChildCursor("a1").take(segments("a1", 0, 1))
    cursor, again = cursor.take(segments("a1", 0, 1))
    assert len(first) == 2
    assert again == []


@given(moves=st.lists(st.integers(0, 6), min_size=1, max_size=8), list_size=st.integers(1, 6))
def test_across_any_moves_the_sequences_only_grow_and_each_move_is_one_discontinuity(
    moves: list[int], list_size: int
) -> None:
    """Each item is one worker (a new epoch) publishing that many segments on what the last
    one left on disk: the sequences never go back, and every move after the first segment
    shows as exactly one discontinuity, in the window or counted out of it."""
    text: str | None = None
    media_sequence = discontinuity_sequence = published_total = breaks = 0
    for epoch, count in enumerate(moves, start=1):
        state = resume(text, list_size, 1.0)
        prefix = segment_prefix(1000 * epoch, epoch=epoch)
        cursor = ChildCursor.after(state, prefix)
        if count and published_total:
            breaks += 1
        for number in range(count):
            cursor, taken = cursor.take(segments(prefix, number))
            state, _ = state.appended(taken)
            assert state.media_sequence >= media_sequence
            assert state.discontinuity_sequence >= discontinuity_sequence
            media_sequence, discontinuity_sequence = (
                state.media_sequence,
                state.discontinuity_sequence,
            )
        published_total += count
        text = state.render()
        reread = parse_public(text, list_size)
        assert reread == state or (reread is None and not state.segments)
        in_window = sum(1 for s in state.segments if s.discontinuity)
        assert state.discontinuity_sequence + in_window == breaks
        assert state.next_media_sequence == published_total
