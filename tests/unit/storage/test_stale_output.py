"""What a crashed run left in the HLS output is cleaned; what players need is kept."""

from __future__ import annotations

from pathlib import Path

from streamfleet.storage.stale_output import (
    clean_channel_output,
    remove_orphan_output_dirs,
)

PLAYLIST = """#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:4
#EXTINF:2.0,
seg_4.ts
#EXTINF:2.0,
seg_5.ts
"""


def make_output(directory: Path) -> None:
    directory.mkdir(parents=True)
    (directory / "index.m3u8").write_text(PLAYLIST)
    (directory / ".ffmpeg.m3u8").write_text(PLAYLIST)
    (directory / ".ffmpeg-e7.m3u8").write_text(PLAYLIST)  # a fleet child's, under epoch 7
    for name in ("seg_3.ts", "seg_4.ts", "seg_5.ts", "seg_6.ts.tmp", "index.m3u8.tmp"):
        (directory / name).write_bytes(b"x")


KEPT = ["index.m3u8", "seg_3.ts", "seg_4.ts", "seg_5.ts"]


def test_temp_files_and_private_playlists_go_while_the_public_playlist_and_segments_stay(
    tmp_path: Path,
) -> None:
    """Players still read the public playlist and its segments while the next child starts."""
    channel_dir = tmp_path / "news"
    make_output(channel_dir)
    clean_channel_output(channel_dir)
    assert sorted(p.name for p in channel_dir.iterdir()) == KEPT


def test_variant_folders_of_a_ladder_are_cleaned_too(tmp_path: Path) -> None:
    variant = tmp_path / "news" / "720p"
    make_output(variant)
    clean_channel_output(tmp_path / "news")
    assert sorted(p.name for p in variant.iterdir()) == KEPT


def test_output_of_channels_that_no_longer_exist_is_removed(tmp_path: Path) -> None:
    make_output(tmp_path / "news")
    make_output(tmp_path / "gone")
    assert remove_orphan_output_dirs(tmp_path, {"news"}) == ["gone"]
    assert (tmp_path / "news").is_dir()
    assert not (tmp_path / "gone").exists()
