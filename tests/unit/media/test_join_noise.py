"""Which FFmpeg lines are the noise of joining a stream between two keyframes.

The noise lines are real FFmpeg 9.0.2 output: a UDP H.264 source (GOP 2 s) joined
2.7 s after it started, read with the engine's input options and
``-loglevel repeat+level+warning``.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.media.log_lines import is_join_noise

JOIN_NOISE = [
    "[h264 @ 0x55db89730d80] [error] non-existing PPS 0 referenced",
    "[h264 @ 0x55db89730d80] [error] no frame!",
    "[h264 @ 0x55db89730d80] [error] decode_slice_header error",
    "[h264 @ 0x7f1c2c004b40] [error] non-existing SPS 0 referenced in buffering period",
    "[hevc @ 0x5611a0a3e9c0] [error] PPS id out of range: 0",
    "[hevc @ 0x5611a0a3e9c0] [error] Error parsing NAL unit #2.",
    "[hevc @ 0x5611a0a3e9c0] [error] Could not find ref with POC 12",
    # a copy channel's probe refused its video decoder (-codec_whitelist)
    "[h264 @ 0x55d1cf8ec140] [error] Codec (h264) not on whitelist '8svx_exp,8svx_fib,aac'",
    "[in#0/mpegts @ 0x55d1cf8a0280] [warning] Failed to open codec in avformat_find_stream_info",
]
REAL_ERRORS = [
    "[h264 @ 0x55db89730d80] [error] concealing 1200 DC, 1200 AC, 1200 MV errors in P frame",
    "[h264 @ 0x55db89730d80] [error] corrupted macroblock 12 7 (total_coeff=-1)",
    "[h264 @ 0x55db89730d80] [error] error while decoding MB 12 7",
    "[in#0/mpegts @ 0x55604a34aa80] [error] Error opening input: Invalid data found when"
    " processing input",
    "[udp @ 0x55604a34aa80] [error] non-existing PPS 0 referenced",  # not a video decoder
    "[h264 @ 0x55db89730d80] [error] no frame! and more",
    "non-existing PPS 0 referenced",  # no decoder context
    "[error] Connection refused",
    "[hls @ 0x5] [error] Protocol 'file' not on whitelist 'http,tcp,crypto'!",
    "[in#0/mpegts @ 0x55d1cf8a0280] [error] Failed to open codec in avformat_find_stream_info",
]


@pytest.mark.parametrize("line", JOIN_NOISE)
def test_the_decoder_refusing_slices_before_the_first_keyframe_is_join_noise(line: str) -> None:
    assert is_join_noise(line)


@pytest.mark.parametrize("line", REAL_ERRORS)
def test_real_decoder_and_demuxer_errors_are_not_join_noise(line: str) -> None:
    assert not is_join_noise(line)


@given(st.text(max_size=200))
def test_a_line_without_a_video_decoder_context_is_never_join_noise(text: str) -> None:
    assert not is_join_noise(text.replace("@ 0x", "@0x"))
