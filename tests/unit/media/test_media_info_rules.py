"""Media info arithmetic and what counts as a change."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from streamfleet.media.audio_level import SILENT_FLOOR_DBFS, rms_dbfs
from streamfleet.media.media_info import (
    AudioInfo,
    MediaInfo,
    VideoInfo,
    keyframe_interval_s,
    measured_bitrate_kbps,
    media_changes,
    worth_storing,
)

AT = datetime(2026, 11, 24, 19, 45, 0, 123000, tzinfo=UTC)
VIDEO = VideoInfo("h264", "High", 1280, 720, 25.0, 2.0, "yuv420p")
AUDIO = AudioInfo("aac", "LC", 48000, 2)
INFO = MediaInfo(VIDEO, AUDIO, 3456.0, AT)


def test_the_measured_bitrate_is_bytes_over_playlist_seconds() -> None:
    """3 segments of 750 000 bytes over 6 s is 3000 kb/s."""
    assert measured_bitrate_kbps([750_000] * 3, [2.0, 2.0, 2.0]) == 3000.0
    assert measured_bitrate_kbps([], []) is None
    assert measured_bitrate_kbps([100], [0.0]) is None


def test_the_keyframe_interval_is_the_median_gap() -> None:
    """One odd gap (a loop seam) does not move the median."""
    assert keyframe_interval_s([0.0, 2.0, 4.0, 4.6, 6.6, 8.6]) == 2.0
    assert keyframe_interval_s([3.0]) is None


def test_media_info_has_the_api_shape() -> None:
    """Nested video and audio, ISO time with milliseconds and Z."""
    assert INFO.to_dict() == {
        "video": {
            "codec": "h264",
            "profile": "High",
            "width": 1280,
            "height": 720,
            "fps": 25.0,
            "keyframe_interval_s": 2.0,
            "pix_fmt": "yuv420p",
        },
        "audio": {"codec": "aac", "profile": "LC", "sample_rate": 48000, "channels": 2},
        "bitrate_kbps": 3456.0,
        "measured_at": "2026-11-24T19:45:00.123Z",
    }


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (replace(INFO, video=replace(VIDEO, width=640, height=360)), ["resolution"]),
        (
            replace(INFO, video=replace(VIDEO, codec="hevc", profile="Main")),
            ["video_codec", "video_profile"],
        ),
        (replace(INFO, video=replace(VIDEO, fps=50.0)), ["fps"]),
        (replace(INFO, video=replace(VIDEO, keyframe_interval_s=4.0)), ["keyframe_interval"]),
        (replace(INFO, audio=replace(AUDIO, channels=6)), ["audio_format"]),
        (replace(INFO, audio=None), ["audio"]),
        (replace(INFO, bitrate_kbps=9000.0), []),
        (replace(INFO, video=replace(VIDEO, fps=25.001)), []),
    ],
)
def test_media_changes_name_what_a_viewer_would_notice(
    changed: MediaInfo, expected: list[str]
) -> None:
    """Bitrate and rounding noise are not changes."""
    assert media_changes(INFO, changed) == expected


def test_a_first_reading_has_no_changes() -> None:
    """Nothing to compare with."""
    assert media_changes(None, INFO) == []


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (replace(INFO, measured_at=datetime(2026, 11, 24, 20, 0, tzinfo=UTC)), False),
        (replace(INFO, bitrate_kbps=3456.0 * 1.2), False),
        (replace(INFO, bitrate_kbps=3456.0 * 0.8), False),
        (replace(INFO, bitrate_kbps=3456.0 * 1.4), True),
        (replace(INFO, bitrate_kbps=3456.0 * 0.6), True),
        (replace(INFO, bitrate_kbps=None), True),
        (replace(INFO, video=replace(VIDEO, width=640, height=360)), True),
        (replace(INFO, audio=None), True),
    ],
)
def test_a_reading_is_stored_again_on_a_change_or_a_bitrate_that_moved_a_quarter(
    current: MediaInfo, expected: bool
) -> None:
    """A new time alone, or bitrate noise under 25 %, is not worth a database write."""
    assert worth_storing(INFO, current) is expected


def test_a_first_reading_is_stored() -> None:
    """Nothing stored yet: the first reading is written."""
    assert worth_storing(None, INFO)


def test_the_rms_of_a_full_scale_square_wave_is_0_dbfs_and_silence_is_the_floor() -> None:
    """Mean square 1.0 is 0 dB; 0.5 is -3.01 dB; zeros are the floor."""
    assert rms_dbfs(100.0, 100) == 0.0
    assert rms_dbfs(50.0, 100) == -3.01
    assert rms_dbfs(0.0, 100) == SILENT_FLOOR_DBFS
    assert rms_dbfs(0.0, 0) is None
