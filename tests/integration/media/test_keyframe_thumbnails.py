"""Thumbnails of real segments written by FFmpeg: the fast path, the fallback, bad files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from streamfleet.domain.errors import InvalidInput
from streamfleet.media.content_checks import luma_sample, mean_difference
from streamfleet.media.nal_units import VideoCodec
from streamfleet.media.playlist_segments import media_segments
from streamfleet.media.thumbnail import (
    PARAMETER_HEAD_BYTES,
    JpegEncoder,
    KeyframeDecoder,
    decode_with_container,
    keyframe_parameter_sets,
    write_atomic,
)
from streamfleet.media.ts_packets import keyframe_start, read_program_map
from tests.support.hls_source import render_hls
from tests.support.image_hash import decode_jpeg, jpeg_size

pytestmark = pytest.mark.asyncio(loop_scope="session")


def segments_of(folder: Path) -> list[Path]:
    return [folder / e.uri for e in media_segments((folder / "index.m3u8").read_text())]


@pytest.fixture(scope="module")
async def h264_720p(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("h264_720p")
    await render_hls(
        folder,
        video="testsrc2=size=1280x720:rate=25",
        seconds=4,
        segment_s=2.0,
        video_codec=["-c:v", "libx264", "-preset", "veryfast", "-b:v", "3M"],
    )
    return segments_of(folder)


async def test_the_fast_path_makes_a_320px_jpeg_from_a_real_h264_segment(
    h264_720p: list[Path], tmp_path: Path
) -> None:
    """The first keyframe is decoded without opening the container and scaled to 320x180."""
    decoder, encoder = KeyframeDecoder(), JpegEncoder()
    keyframe = decoder.decode(h264_720p[-1])
    assert keyframe.fast_path
    assert (keyframe.codec, keyframe.frame.width, keyframe.frame.height) == ("h264", 1280, 720)
    assert keyframe.parameter_sets.startswith(b"\x00\x00\x01\x67")
    jpeg = encoder.encode(keyframe)
    assert jpeg[:2] == b"\xff\xd8"
    assert jpeg_size(jpeg) == (320, 180)
    target = tmp_path / "thumbs" / "news.jpg"
    write_atomic(target, jpeg)
    assert target.read_bytes() == jpeg
    assert [p.name for p in target.parent.iterdir()] == ["news.jpg"]


async def test_the_fast_path_and_the_container_decoder_see_the_same_picture(
    h264_720p: list[Path],
) -> None:
    """Skipping the container (and deblocking) changes nothing visible."""
    fast = KeyframeDecoder().decode(h264_720p[0])
    slow = decode_with_container(h264_720p[0])
    assert not slow.fast_path
    assert mean_difference(luma_sample(fast.frame), luma_sample(slow.frame)) < 2.0


async def test_a_kept_decoder_decodes_segment_after_segment(h264_720p: list[Path]) -> None:
    """One decoder per channel serves every segment, in any order."""
    decoder = KeyframeDecoder()
    for segment in [*h264_720p, *reversed(h264_720p), h264_720p[0]]:
        assert decoder.decode(segment).frame.width == 1280
    assert decoder.fast_path_failures == 0


async def test_an_hevc_segment_gets_its_thumbnail_through_the_fast_path(tmp_path: Path) -> None:
    """HEVC keyframes (IDR/CRA) are found and decoded the same way."""
    folder = await render_hls(
        tmp_path,
        seconds=2,
        audio=None,
        video_codec=["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"],
    )
    keyframe = KeyframeDecoder().decode(segments_of(folder)[0])
    assert (keyframe.codec, keyframe.fast_path) == ("hevc", True)
    assert jpeg_size(JpegEncoder().encode(keyframe)) == (320, 180)


def assert_parameter_sets_come_from_the_head(segment: Path, sets: bytes) -> None:
    """``keyframe_parameter_sets`` finds ``sets`` in the segment's first
    ``PARAMETER_HEAD_BYTES``, without collecting the keyframe's picture."""
    head = segment.read_bytes()[:PARAMETER_HEAD_BYTES]
    video = read_program_map(head).video
    assert video is not None
    assert keyframe_start(head, video.pid, VideoCodec(KeyframeDecoder().decode(segment).codec))
    assert keyframe_parameter_sets(segment) == sets


async def test_the_parameter_sets_of_real_segments_come_from_their_first_packets(
    h264_720p: list[Path], tmp_path: Path
) -> None:
    """H.264 720p and HEVC segments FFmpeg wrote: the parameter sets read from the head of
    each are the ones the decoder was set up with from the whole keyframe."""
    hevc = await render_hls(
        tmp_path,
        seconds=4,
        segment_s=2.0,
        audio=None,
        video_codec=["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"],
    )
    segments = [*h264_720p, *segments_of(hevc)]
    assert len(segments) >= 4
    for segment in segments:
        sets = KeyframeDecoder().decode(segment).parameter_sets
        assert sets.count(b"\x00\x00\x01") >= 2  # SPS and PPS (and VPS)
        assert_parameter_sets_come_from_the_head(segment, sets)


async def test_an_mpeg2_segment_falls_back_to_the_container_decoder(tmp_path: Path) -> None:
    """Codecs without a fast path still get a thumbnail."""
    folder = await render_hls(
        tmp_path, seconds=2, audio=None, video_codec=["-c:v", "mpeg2video", "-q:v", "5"]
    )
    keyframe = KeyframeDecoder().decode(segments_of(folder)[0])
    assert (keyframe.codec, keyframe.fast_path) == ("mpeg2video", False)
    assert keyframe_parameter_sets(segments_of(folder)[0]) == b""  # no cheap path: decode
    assert jpeg_size(JpegEncoder().encode(keyframe)) == (320, 180)


async def test_an_empty_segment_is_refused_with_a_reason(tmp_path: Path) -> None:
    """Zero bytes: the reason says so."""
    empty = tmp_path / "index7.ts"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInput, match=r"index7\.ts is empty"):
        KeyframeDecoder().decode(empty)


async def test_a_file_that_is_not_mpeg_ts_is_refused_with_a_reason(tmp_path: Path) -> None:
    """Random text is not a transport stream."""
    junk = tmp_path / "index8.ts"
    junk.write_bytes(b"<html>not found</html>" * 100)
    with pytest.raises(InvalidInput, match="no MPEG-TS sync byte"):
        KeyframeDecoder().decode(junk)


async def test_a_missing_segment_is_refused_with_a_reason(tmp_path: Path) -> None:
    """FFmpeg may delete a segment between the playlist read and the open."""
    with pytest.raises(InvalidInput, match=r"cannot open index9\.ts"):
        KeyframeDecoder().decode(tmp_path / "index9.ts")


@pytest.mark.parametrize("keep_bytes", [188 * 3, 20_000, 60_000])
async def test_a_segment_cut_short_gives_a_picture_or_a_reason_never_a_crash(
    h264_720p: list[Path], tmp_path: Path, keep_bytes: int
) -> None:
    """A truncated keyframe decodes partially or is refused cleanly."""
    cut = tmp_path / "cut.ts"
    cut.write_bytes(h264_720p[0].read_bytes()[:keep_bytes])
    try:
        keyframe = KeyframeDecoder().decode(cut)
    except InvalidInput as exc:
        reason = exc.detail
    else:
        reason = None
        assert decode_jpeg(JpegEncoder().encode(keyframe)).width == 320
    assert reason is None or reason.startswith("segment: "), reason


async def test_a_thumbnail_of_a_720p_segment_costs_a_few_milliseconds_of_cpu(
    h264_720p: list[Path],
) -> None:
    """Measured with thread_time over 40 thumbnails (the benchmark has the real figure)."""
    decoder, encoder = KeyframeDecoder(), JpegEncoder()
    encoder.encode(decoder.decode(h264_720p[0]))  # warm up
    runs = 40
    started = time.thread_time()
    for i in range(runs):
        encoder.encode(decoder.decode(h264_720p[i % len(h264_720p)]))
    per_thumbnail_ms = (time.thread_time() - started) / runs * 1000
    print(f"thumbnail CPU per 720p segment: {per_thumbnail_ms:.2f} ms")
    assert per_thumbnail_ms < 25.0
