"""The publisher on a real folder with a hand-driven clock: what it writes, deletes, and when."""

from __future__ import annotations

from pathlib import Path

from streamfleet.domain.profiles import COPY, get_profile
from streamfleet.engine.publisher import ChannelPublisher, RenditionPublisher
from streamfleet.media.hls_args import HlsLayout, segment_prefix
from streamfleet.media.playlist_continuation import segment_number
from streamfleet.media.public_playlist import parse_public

LIST_SIZE = 2
GRACE_S = 2 * (LIST_SIZE + 1)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def private(*names: str) -> str:
    entries = "".join(f"#EXTINF:2.000000,\n{name}\n" for name in names)
    return f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n{entries}"


def publisher(folder: Path, prefix: str, clock: Clock) -> RenditionPublisher:
    return RenditionPublisher(
        folder / ".ffmpeg.m3u8",
        folder / "index.m3u8",
        prefix=prefix,
        list_size=LIST_SIZE,
        segment_seconds=2.0,
        wall=clock,
    )


def write_segments(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_bytes(b"\x47")
    (folder / ".ffmpeg.m3u8").write_text(private(*names))


def public_uris(folder: Path) -> list[str]:
    state = parse_public((folder / "index.m3u8").read_text(), LIST_SIZE)
    assert state is not None
    return [s.uri for s in state.segments]


def test_a_segment_number_belongs_to_its_prefix_only() -> None:
    assert segment_number("a12_000007.ts", "a12") == 7
    assert segment_number("a13_000007.ts", "a12") is None
    assert segment_number("seg_7.ts", "a12") is None
    assert segment_number("a12_x.ts", "a12") is None


def test_a_segment_that_left_the_playlist_is_deleted_only_after_the_grace(tmp_path: Path) -> None:
    clock = Clock()
    pub = publisher(tmp_path, "a1", clock)
    write_segments(tmp_path, "a1_000000.ts", "a1_000001.ts", "a1_000002.ts")
    assert pub.publish() == 3
    assert public_uris(tmp_path) == ["a1_000001.ts", "a1_000002.ts"]
    clock.now += GRACE_S - 0.1
    pub.publish()
    assert (tmp_path / "a1_000000.ts").exists()
    clock.now += 0.2
    pub.publish()
    assert not (tmp_path / "a1_000000.ts").exists()
    assert (tmp_path / "a1_000001.ts").exists()


def test_the_next_child_continues_after_a_discontinuity_and_ignores_the_old_names(
    tmp_path: Path,
) -> None:
    clock = Clock()
    write_segments(tmp_path, "a1_000000.ts", "a1_000001.ts")
    publisher(tmp_path, "a1", clock).publish()
    second = publisher(tmp_path, "a2", clock)  # reads the public playlist back
    write_segments(tmp_path, "a1_000001.ts", "a2_000000.ts")
    assert second.publish() == 1
    state = parse_public((tmp_path / "index.m3u8").read_text(), LIST_SIZE)
    assert state is not None
    assert state.media_sequence == 1
    assert [(s.uri, s.discontinuity) for s in state.segments] == [
        ("a1_000001.ts", False),
        ("a2_000000.ts", True),
    ]
    write_segments(tmp_path, "a2_000001.ts", "a2_000002.ts")
    second.publish()
    state = parse_public((tmp_path / "index.m3u8").read_text(), LIST_SIZE)
    assert state is not None
    assert (state.media_sequence, state.discontinuity_sequence) == (3, 1)


def test_segments_no_playlist_lists_are_found_at_start_and_deleted_after_the_grace(
    tmp_path: Path,
) -> None:
    """A crash's leftovers, or the last segment a stopped child wrote but nobody published."""
    clock = Clock()
    (tmp_path / "seg_3.ts").write_bytes(b"\x47")
    pub = publisher(tmp_path, "a5", clock)
    assert pub.publish() == 0
    assert (tmp_path / "seg_3.ts").exists()
    clock.now += GRACE_S + 0.1
    pub.publish()
    assert not (tmp_path / "seg_3.ts").exists()


def test_a_recording_channel_hands_each_new_segment_to_the_archive_once_and_still_deletes_it(
    tmp_path: Path,
) -> None:
    """Recording archives (hard links) elsewhere: the live folder holds only the live window."""
    clock = Clock()
    archived: list[tuple[Path, str]] = []
    pub = RenditionPublisher(
        tmp_path / ".ffmpeg.m3u8",
        tmp_path / "index.m3u8",
        prefix="a1",
        list_size=LIST_SIZE,
        segment_seconds=2.0,
        wall=clock,
        archive=lambda folder, segment: archived.append((folder, segment.uri)),
    )
    write_segments(tmp_path, "a1_000000.ts", "a1_000001.ts", "a1_000002.ts")
    pub.publish()
    pub.publish()
    clock.now += GRACE_S + 0.1
    pub.publish()
    assert archived == [(tmp_path, f"a1_00000{n}.ts") for n in range(3)]
    assert not (tmp_path / "a1_000000.ts").exists()


def test_the_public_playlist_is_readable_by_a_front_server_of_another_user(
    tmp_path: Path,
) -> None:
    """nginx serves the files from disk: the playlist is created like FFmpeg's (0666 - umask)."""
    clock = Clock()
    write_segments(tmp_path, "a1_000000.ts")
    publisher(tmp_path, "a1", clock).publish()
    mode = (tmp_path / "index.m3u8").stat().st_mode
    assert mode & 0o044 == (tmp_path / "a1_000000.ts").stat().st_mode & 0o044
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".ffmpeg.m3u8",
        "a1_000000.ts",
        "index.m3u8",
    ]


def test_segments_missed_between_two_reads_leave_a_discontinuity(tmp_path: Path) -> None:
    """The event loop was blocked so long that segments slid out of FFmpeg's list unseen."""
    clock = Clock()
    pub = publisher(tmp_path, "a1", clock)
    write_segments(tmp_path, "a1_000000.ts")
    pub.publish()
    write_segments(tmp_path, "a1_000004.ts", "a1_000005.ts")
    pub.publish()
    state = parse_public((tmp_path / "index.m3u8").read_text(), LIST_SIZE)
    assert state is not None
    assert [(s.uri, s.discontinuity) for s in state.segments] == [
        ("a1_000004.ts", True),
        ("a1_000005.ts", False),
    ]


def channel_publisher(folder: Path, clock: Clock, current: list[bool]) -> ChannelPublisher:
    profile = get_profile(COPY)
    assert profile is not None
    layout = HlsLayout(folder, profile, epoch=5)
    return ChannelPublisher(
        layout,
        prefix=segment_prefix(1, epoch=5),
        list_size=LIST_SIZE,
        segment_seconds=2.0,
        wall=clock,
        current=lambda: current[0],
    )


def test_a_publisher_whose_epoch_is_no_longer_current_writes_and_deletes_nothing(
    tmp_path: Path,
) -> None:
    """A worker waking after its channel moved: the playlist players read stays the new
    holder's, and no segment is deleted by the old one."""
    clock, current = Clock(), [True]
    publisher = channel_publisher(tmp_path, clock, current)
    names = [f"e5-a1_00000{n}.ts" for n in range(4)]
    for name in names:
        (tmp_path / name).write_bytes(b"\x47")
    (tmp_path / ".ffmpeg-e5.m3u8").write_text(private(*names[:3]))
    publisher.publish()
    assert public_uris(tmp_path) == names[1:3]
    before = (tmp_path / "index.m3u8").read_text()
    current[0] = False
    (tmp_path / ".ffmpeg-e5.m3u8").write_text(private(*names))
    clock.now += 10 * GRACE_S
    publisher.publish()
    assert (tmp_path / "index.m3u8").read_text() == before
    assert sorted(p.name for p in tmp_path.glob("*.ts")) == names  # the expired one stays
    current[0] = True  # renewed in time after all: it goes on where it was
    publisher.publish()
    assert public_uris(tmp_path) == names[2:]
    assert not (tmp_path / names[0]).exists()


def test_another_epochs_segments_written_after_the_start_go_after_the_grace_own_ones_stay(
    tmp_path: Path,
) -> None:
    """A frozen worker's FFmpeg writes on after the channel moved here: its files are found
    within ``list_size`` segments and deleted after the grace; a segment of this child that
    is complete but not yet published is left to the window."""
    clock = Clock()
    mine = publisher(tmp_path, "e5-a2", clock)
    late = "e4-a1_000009.ts"
    (tmp_path / late).write_bytes(b"\x47")
    ahead = "e5-a2_000002.ts"  # written, not yet in FFmpeg's playlist
    (tmp_path / ahead).write_bytes(b"\x47")
    write_segments(tmp_path, "e5-a2_000000.ts", "e5-a2_000001.ts")
    mine.publish()  # two segments: the folder is looked through again
    assert late in mine.expiring
    assert ahead not in mine.expiring
    clock.now += GRACE_S
    write_segments(tmp_path, "e5-a2_000001.ts", ahead)
    mine.publish()
    assert not (tmp_path / late).exists()
    assert (tmp_path / ahead).exists()
    assert public_uris(tmp_path) == ["e5-a2_000001.ts", ahead]


def test_in_serve_the_running_childs_segments_are_left_to_its_ffmpeg_a_previous_childs_are_not(
    tmp_path: Path,
) -> None:
    """``serve``'s layout (no epoch): FFmpeg deletes its own segments after the grace, so the
    publisher leaves them; the previous child's still go when they leave the window."""
    profile = get_profile(COPY)
    assert profile is not None
    layout = HlsLayout(tmp_path, profile)
    assert layout.ffmpeg_deletes
    clock = Clock()

    def child(prefix: str) -> ChannelPublisher:
        return ChannelPublisher(
            layout, prefix=prefix, list_size=LIST_SIZE, segment_seconds=2.0, wall=clock
        )

    write_segments(tmp_path, "a1_000000.ts", "a1_000001.ts")
    child("a1").publish()
    second = child("a2")
    write_segments(tmp_path, "a2_000000.ts", "a2_000001.ts", "a2_000002.ts")
    second.publish()
    assert public_uris(tmp_path) == ["a2_000001.ts", "a2_000002.ts"]
    clock.now += GRACE_S
    write_segments(tmp_path, "a2_000001.ts", "a2_000002.ts", "a2_000003.ts")
    second.publish()
    assert not (tmp_path / "a1_000000.ts").exists()
    assert not (tmp_path / "a1_000001.ts").exists()
    clock.now += 10 * GRACE_S
    second.publish()
    assert (tmp_path / "a2_000000.ts").exists()  # its FFmpeg's to delete
    assert (tmp_path / "a2_000001.ts").exists()
