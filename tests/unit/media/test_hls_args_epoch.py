"""On a fleet a child's files carry its lease epoch; in ``serve`` they do not."""

from __future__ import annotations

from pathlib import PurePath

import pytest

from streamfleet.domain.profiles import COPY, get_profile
from streamfleet.media.hls_args import (
    HlsLayout,
    HlsOptions,
    epoch_of_segment,
    hls_args,
    private_playlist_name,
    segment_prefix,
)
from streamfleet.media.public_playlist import public_master


def copy_layout(epoch: int | None) -> HlsLayout:
    profile = get_profile(COPY)
    assert profile is not None
    return HlsLayout(PurePath("/hls/news"), profile, epoch)


def test_serve_names_files_as_before_and_a_fleet_child_names_them_with_its_epoch() -> None:
    assert segment_prefix(1700) == "a1700"
    assert segment_prefix(1700, epoch=12) == "e12-a1700"
    assert private_playlist_name() == ".ffmpeg.m3u8"
    assert private_playlist_name(12) == ".ffmpeg-e12.m3u8"


def test_ffmpeg_writes_the_private_playlist_and_segments_of_its_own_epoch() -> None:
    prefix = segment_prefix(1700, epoch=12)
    args = hls_args(copy_layout(12), HlsOptions(1.0, 3, prefix))
    assert args[-1] == "/hls/news/.ffmpeg-e12.m3u8"
    assert args[args.index("-hls_segment_filename") + 1] == "/hls/news/e12-a1700_%06d.ts"
    assert copy_layout(12).watched_playlist == PurePath("/hls/news/.ffmpeg-e12.m3u8")
    assert copy_layout(None).watched_playlist == PurePath("/hls/news/.ffmpeg.m3u8")
    assert copy_layout(12).entry_playlist == copy_layout(None).entry_playlist


@pytest.mark.parametrize(
    ("name", "epoch"),
    [
        ("e12-a1700_000003.ts", 12),
        ("720p/e7-a1_000000.ts", 7),
        ("a1700_000003.ts", None),
        ("e-a1_000000.ts", None),
        ("ex-a1_000000.ts", None),
        ("archive/2026-12-04/05/a1700_000001.ts", None),
    ],
)
def test_the_epoch_is_read_back_from_a_segment_name(name: str, epoch: int | None) -> None:
    assert epoch_of_segment(name) == epoch


def test_a_ladder_writes_its_private_master_and_variants_under_the_epoch() -> None:
    ladder = get_profile("abr-3")
    assert ladder is not None
    assert ladder.is_ladder
    layout = HlsLayout(PurePath("/hls/news"), ladder, 12)
    args = hls_args(layout, HlsOptions(2.0, 5, segment_prefix(1700, epoch=12)))
    assert args[args.index("-master_pl_name") + 1] == ".ffmpeg-e12.m3u8"
    assert args[-1] == "/hls/news/%v/.ffmpeg-e12.m3u8"
    assert layout.private_entry_playlist == PurePath("/hls/news/.ffmpeg-e12.m3u8")
    private = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/.ffmpeg-e12.m3u8\n"
    public = public_master(private, layout.private_name)
    assert public.splitlines()[-1] == "720p/index.m3u8"


def test_in_serve_ffmpeg_deletes_its_own_segments_after_the_grace_on_a_fleet_nothing() -> None:
    """``serve``: FFmpeg's playlist one segment longer than the public one (the publisher's
    lag), and ``delete_segments`` keeping its list size + 1 segments that left it, the
    grace. A fleet child deletes nothing: a frozen worker's FFmpeg would delete what the
    channel's new worker still lists; its playlist is as long as the public one."""
    prefix = segment_prefix(1700)
    serve = hls_args(copy_layout(None), HlsOptions(2.0, 6, prefix))
    assert "delete_segments" in serve[serve.index("-hls_flags") + 1].split("+")
    assert serve[serve.index("-hls_list_size") + 1] == "7"
    assert serve[serve.index("-hls_delete_threshold") + 1] == "8"
    fleet = hls_args(copy_layout(12), HlsOptions(2.0, 6, segment_prefix(1700, epoch=12)))
    assert "delete_segments" not in fleet[fleet.index("-hls_flags") + 1]
    assert "-hls_delete_threshold" not in fleet
    assert fleet[fleet.index("-hls_list_size") + 1] == "6"
