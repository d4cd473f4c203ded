"""Media info, audio level and picture samples measured on real segments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streamfleet.media.audio_level import AudioLevelMeter
from streamfleet.media.content_checks import is_black, is_silent, luma_sample
from streamfleet.media.media_info import read_media_info
from streamfleet.media.playlist_segments import media_segments
from streamfleet.media.thumbnail import KeyframeDecoder
from tests.support.hls_source import black_then_pattern, render_hls, silence_then_tone

pytestmark = pytest.mark.asyncio(loop_scope="session")
NOW = datetime(2026, 11, 24, 19, 45, tzinfo=UTC)


def segments_of(folder: Path) -> list[Path]:
    return [folder / e.uri for e in media_segments((folder / "index.m3u8").read_text())]


@pytest.fixture(scope="module")
async def black_and_silent_then_pattern(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Five 1 s segments: 2 s black, 3 s silent, then a moving pattern and a tone.

    The silence lasts longer because the muxer interleaves audio up to ~0.7 s late.
    """
    folder = tmp_path_factory.mktemp("black_then_pattern")
    await render_hls(folder, video=black_then_pattern(2), audio=silence_then_tone(3), seconds=5)
    return segments_of(folder)


async def test_media_info_reads_codec_size_rate_gop_and_audio_from_real_segments(
    tmp_path: Path,
) -> None:
    """H.264 640x360 at 25 fps, keyframes every 2 s, AAC 48 kHz stereo, bitrate from sizes."""
    folder = await render_hls(
        tmp_path,
        video="testsrc2=size=640x360:rate=25",
        audio="sine=frequency=440:sample_rate=48000,pan=stereo|c0=c0|c1=c0",
        seconds=6,
        segment_s=2.0,
    )
    info = read_media_info(segments_of(folder), bitrate_kbps=1234.5, at=NOW)
    assert info.video is not None
    assert info.audio is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 640, 360)
    assert info.video.fps == 25.0
    assert info.video.keyframe_interval_s == 2.0
    assert info.video.profile in ("Constrained Baseline", "Baseline", "High", "Main")
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, 2)
    assert info.bitrate_kbps == 1234.5


async def test_media_info_of_a_segment_without_audio_has_no_audio(tmp_path: Path) -> None:
    """A video-only channel reports ``audio: null``."""
    folder = await render_hls(tmp_path, audio=None, seconds=2)
    info = read_media_info(segments_of(folder), bitrate_kbps=None, at=NOW)
    assert info.audio is None
    assert info.video is not None


async def test_black_keyframes_are_black_and_pattern_keyframes_are_not(
    black_and_silent_then_pattern: list[Path],
) -> None:
    """The picture check sees the black start and the pattern after it."""
    decoder = KeyframeDecoder()
    verdicts = [
        is_black(luma_sample(decoder.decode(s).frame)) for s in black_and_silent_then_pattern
    ]
    assert verdicts == [True, True, False, False, False]


async def test_silent_segments_measure_below_minus_60_dbfs_and_a_tone_above(
    black_and_silent_then_pattern: list[Path],
) -> None:
    """The audio level of each segment, decoded without opening the container."""
    meter = AudioLevelMeter()
    levels = [meter.level_dbfs(s.read_bytes()) for s in black_and_silent_then_pattern]
    verdicts = [is_silent(level) for level in levels]
    assert verdicts[:2] == [True, True], levels
    assert verdicts[-2:] == [False, False], levels
    assert levels[-1] is not None
    assert -25.0 < levels[-1] < -15.0  # the sine source's amplitude is 1/8
