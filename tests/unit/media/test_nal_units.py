"""Annex B NAL units: splitting, keyframes, parameter sets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.media.nal_units import (
    VideoCodec,
    first_picture,
    is_keyframe,
    is_picture,
    nal_units,
    parameter_sets,
)
from tests.support import ts_builder as ts

# A NAL unit never holds 00 00 00..03 (emulation prevention) and never ends in 00.
units = st.binary(min_size=1, max_size=60).filter(
    lambda u: b"\x00\x00" not in u and not u.endswith(b"\x00")
)


def test_units_are_split_on_three_and_four_byte_start_codes() -> None:
    """Both start-code lengths delimit units; bytes before the first are ignored."""
    stream = b"junk\x00\x00\x01\x09\xf0\x00\x00\x00\x01\x67\x64\x00\x00\x01\x68\xeb"
    assert list(nal_units(stream)) == [b"\x09\xf0", b"\x67\x64", b"\x68\xeb"]


def test_trailing_zero_bytes_are_not_part_of_a_unit() -> None:
    """Padding after a unit is dropped."""
    assert list(nal_units(b"\x00\x00\x01\x65\x88\x00\x00")) == [b"\x65\x88"]


@given(st.lists(units, max_size=12))
def test_units_joined_with_start_codes_split_back_into_themselves(parts: list[bytes]) -> None:
    """Splitting undoes joining."""
    assert list(nal_units(ts.annexb(parts))) == parts


def test_an_h264_idr_is_a_keyframe_and_a_p_slice_is_not() -> None:
    """NAL type 5 makes a keyframe; type 1 does not."""
    assert is_keyframe(VideoCodec.H264, ts.h264_idr())
    assert not is_keyframe(VideoCodec.H264, ts.h264_p_frame())


def test_hevc_irap_types_are_keyframes_and_trailing_pictures_are_not() -> None:
    """BLA/IDR/CRA (16..21) start a decoder; TRAIL_R (1) does not."""
    for kind in (16, 19, 20, 21):
        assert is_keyframe(VideoCodec.HEVC, ts.annexb([bytes([kind << 1, 1, 0x80])]))
    assert not is_keyframe(VideoCodec.HEVC, ts.annexb([bytes([1 << 1, 1, 0x80])]))


def test_parameter_sets_are_the_sps_and_pps_only() -> None:
    """AUD, SEI and slices are left out; SPS and PPS kept with start codes."""
    access_unit = ts.annexb([ts.H264_AUD, ts.H264_SEI, ts.H264_SPS, ts.H264_PPS, b"\x65\x88"])
    expected = b"\x00\x00\x01" + ts.H264_SPS + b"\x00\x00\x01" + ts.H264_PPS
    assert parameter_sets(VideoCodec.H264, access_unit) == expected


def test_a_frame_without_parameter_sets_has_none() -> None:
    """A P frame carries no SPS."""
    assert parameter_sets(VideoCodec.H264, ts.h264_p_frame()) == b""


def test_picture_types_are_the_vcl_ones_of_each_codec() -> None:
    """H.264 slices are types 1-5 (SEI 6, SPS 7, PPS 8, AUD 9 are not); HEVC's are 0-31."""
    assert [k for k in range(32) if is_picture(VideoCodec.H264, k)] == [1, 2, 3, 4, 5]
    assert [k for k in range(64) if is_picture(VideoCodec.HEVC, k)] == list(range(32))


def test_the_first_picture_is_found_after_the_parameter_sets_even_by_its_header_alone() -> None:
    """Its offset points at its header byte; a stream that ends right after that byte has it,
    a stream that ends inside the parameter sets has none yet."""
    stream = ts.annexb([ts.H264_AUD, ts.H264_SPS, ts.H264_PPS, ts.H264_SEI, b"\x65\x88\x84"])
    offset = stream.index(b"\x65\x88")
    assert first_picture(VideoCodec.H264, stream) == (offset, 5)
    assert first_picture(VideoCodec.H264, stream[: offset + 1]) == (offset, 5)
    assert first_picture(VideoCodec.H264, stream[:offset]) is None
    assert first_picture(VideoCodec.H264, ts.h264_p_frame()) == (4 + len(ts.H264_AUD) + 4, 1)
