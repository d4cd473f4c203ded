"""MPEG-TS parsing: packets, PAT/PMT, PES, and the first keyframe of a segment."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.errors import InvalidInput
from streamfleet.media.nal_units import VideoCodec, parameter_sets
from streamfleet.media.ts_packets import (
    TS_PACKET_SIZE,
    StreamType,
    crc32_mpeg2,
    elementary_stream,
    fast_path_codec,
    find_sync,
    first_keyframe,
    iter_packets,
    keyframe_start,
    parse_pat,
    parse_pes_header,
    parse_pmt,
    read_program_map,
)
from tests.support import ts_builder as ts

pids = st.integers(min_value=0x20, max_value=0x1FFE)
# An SEI NAL unit as an encoder writes it: emulation prevention keeps 00 00 00..03 out of
# it, so no start code (and no picture) can appear inside it.
sei_units = (
    st.binary(min_size=1, max_size=400)
    .filter(lambda u: b"\x00\x00" not in u and not u.endswith(b"\x00"))
    .map(lambda u: b"\x06" + u)
)


def test_crc32_mpeg2_matches_the_standard_check_value() -> None:
    """CRC-32/MPEG-2 of "123456789" is 0x0376E6E7."""
    assert crc32_mpeg2(b"123456789") == 0x0376E6E7


@given(st.binary(max_size=300))
def test_the_table_crc_equals_the_bitwise_crc(data: bytes) -> None:
    """The table-driven CRC agrees with the slow bit-by-bit definition."""
    assert crc32_mpeg2(data) == ts.crc32_mpeg2(data)


@given(st.dictionaries(st.integers(1, 0xFFFF), pids, min_size=1, max_size=40))
def test_a_pat_names_the_pmt_pid_of_every_program(programs: dict[int, int]) -> None:
    """Every program number maps to its PMT PID."""
    assert parse_pat(ts.pat_section(programs)) == programs


def test_the_network_pid_entry_of_a_pat_is_not_a_program() -> None:
    """Program number 0 names the NIT, not a program."""
    assert parse_pat(ts.pat_section({0: 0x10, 1: 0x1000})) == {1: 0x1000}


@given(st.lists(st.tuples(st.sampled_from(list(StreamType)), pids), max_size=20))
def test_a_pmt_lists_its_streams_in_order(streams: list[tuple[int, int]]) -> None:
    """Stream types and PIDs come back in the order written."""
    parsed = parse_pmt(ts.pmt_section(1, streams))
    assert [(s.stream_type, s.pid) for s in parsed] == streams


def test_a_section_with_a_wrong_crc_is_refused() -> None:
    """One flipped bit fails the CRC."""
    section = bytearray(ts.pat_section({1: 0x1000}))
    section[9] ^= 0x01
    with pytest.raises(InvalidInput, match="PAT CRC mismatch"):
        parse_pat(bytes(section))


def test_a_truncated_section_is_refused() -> None:
    """A section shorter than its declared length is refused."""
    with pytest.raises(InvalidInput, match="PMT section is truncated"):
        parse_pmt(ts.pmt_section(1, [(0x1B, 0x100)])[:-5])


@given(st.integers(min_value=0, max_value=(1 << 33) - 1))
def test_the_pts_of_a_pes_header_round_trips(pts: int) -> None:
    """Every 33-bit PTS is read back as written."""
    header = parse_pes_header(ts.pes_packet(0xE0, b"\x00\x00\x01\x09", pts=pts))
    assert header.pts == pts
    assert header.stream_id == 0xE0


def test_a_pes_without_pts_has_none() -> None:
    """No PTS flag, no PTS."""
    assert parse_pes_header(ts.pes_packet(0xE0, b"abc")).pts is None


def test_packets_are_found_after_leading_garbage() -> None:
    """Junk before the first sync byte is skipped."""
    data = b"\x47junk" + ts.segment([ts.h264_idr()])
    assert find_sync(data) == 5


def test_data_without_sync_bytes_is_not_mpeg_ts() -> None:
    """A file of text is refused with the reason."""
    with pytest.raises(InvalidInput, match="no MPEG-TS sync byte"):
        list(iter_packets(b"not a transport stream " * 40))


def test_lost_sync_is_reported_with_its_offset() -> None:
    """A packet whose sync byte is missing names the byte offset."""
    data = bytearray(ts.segment([ts.h264_idr(), ts.h264_p_frame()]))
    data[188 * 3] = 0x00
    with pytest.raises(InvalidInput, match=f"lost MPEG-TS sync at byte {188 * 3}"):
        list(iter_packets(bytes(data)))


def test_packets_flagged_with_a_transport_error_are_skipped() -> None:
    """transport_error_indicator packets are left out."""
    data = ts.packet(0x100, b"bad", error=True) + ts.packet(0x100, b"good", unit_start=True)
    assert [p.payload for p in iter_packets(data)] == [b"good"]


def test_the_random_access_flag_is_read_from_the_adaptation_field() -> None:
    """random_access_indicator is reported per packet."""
    data = ts.packet(0x100, b"x", random_access=True) + ts.packet(0x100, b"y")
    assert [p.random_access for p in iter_packets(data)] == [True, False]


def test_the_program_map_of_a_segment_names_video_and_audio() -> None:
    """PAT then PMT give the video and audio PIDs and types."""
    program = read_program_map(ts.segment([ts.h264_idr()], audio_units=[b"\xff\xf1"]))
    assert program.video is not None
    assert program.audio is not None
    assert (program.video.pid, program.video.stream_type) == (ts.VIDEO_PID, StreamType.H264)
    assert (program.audio.pid, program.audio.stream_type) == (ts.AUDIO_PID, StreamType.AAC_ADTS)


def test_a_segment_without_pat_has_no_program_map() -> None:
    """Without a PAT the PMT cannot be found."""
    with pytest.raises(InvalidInput, match="no PAT/PMT found"):
        read_program_map(ts.segment([ts.h264_idr()], with_pat=False))


def test_only_h264_and_hevc_have_the_fast_path() -> None:
    """MPEG-2 video goes to the full decoder."""
    assert fast_path_codec(StreamType.H264) is VideoCodec.H264
    assert fast_path_codec(StreamType.HEVC) is VideoCodec.HEVC
    assert fast_path_codec(StreamType.MPEG2_VIDEO) is None


def test_the_first_keyframe_is_found_after_non_key_frames() -> None:
    """P frames before the IDR are passed over; the IDR's bytes and PTS come back."""
    idr = ts.h264_idr(500)
    data = ts.segment([ts.h264_p_frame(), ts.h264_p_frame(), idr, ts.h264_p_frame()])
    unit = first_keyframe(data, ts.VIDEO_PID, VideoCodec.H264, complete=True)
    assert unit is not None
    assert unit.data == idr
    assert unit.pts == 90_000 + 2 * 3600


@given(st.integers(min_value=1, max_value=20_000))
def test_a_keyframe_of_any_size_is_reassembled_from_its_packets(size: int) -> None:
    """However many packets a keyframe spans, its bytes come back whole."""
    idr = ts.h264_idr(size)
    data = ts.segment([idr, ts.h264_p_frame()])
    unit = first_keyframe(data, ts.VIDEO_PID, VideoCodec.H264, complete=False)
    assert unit is not None
    assert unit.data == idr


def test_a_keyframe_at_the_end_of_partial_data_asks_for_more() -> None:
    """The last PES of a partial read may continue: the answer is "read more"."""
    data = ts.segment([ts.h264_p_frame(), ts.h264_idr()])
    assert first_keyframe(data, ts.VIDEO_PID, VideoCodec.H264, complete=False) is None


def test_a_keyframe_at_the_end_of_a_whole_segment_is_found() -> None:
    """In a complete segment the last PES ends with the data."""
    idr = ts.h264_idr()
    data = ts.segment([ts.h264_p_frame(), idr])
    unit = first_keyframe(data, ts.VIDEO_PID, VideoCodec.H264, complete=True)
    assert unit is not None
    assert unit.data == idr


def test_a_segment_without_a_keyframe_is_refused_with_a_reason() -> None:
    """Only P frames: no keyframe."""
    data = ts.segment([ts.h264_p_frame(), ts.h264_p_frame()])
    with pytest.raises(InvalidInput, match="no keyframe in segment"):
        first_keyframe(data, ts.VIDEO_PID, VideoCodec.H264, complete=True)


def test_an_hevc_idr_is_a_keyframe() -> None:
    """HEVC NAL type 19 (IDR_W_RADL) starts a decodable picture."""
    vps, sps, pps = b"\x40\x01\x0c", b"\x42\x01\x01", b"\x44\x01\xc1"
    idr = ts.annexb([vps, sps, pps, b"\x26\x01" + b"\x33" * 50])
    trail = ts.annexb([b"\x02\x01" + b"\x44" * 50])
    data = ts.segment([trail, idr, trail], video_type=StreamType.HEVC)
    unit = first_keyframe(data, ts.VIDEO_PID, VideoCodec.HEVC, complete=True)
    assert unit is not None
    assert unit.data == idr


def test_a_keyframes_start_holds_its_parameter_sets_and_stops_at_its_picture() -> None:
    """P frames are passed over; the IDR's bytes come back up to its slice's header byte."""
    idr = ts.h264_idr(5000)
    data = ts.segment([ts.h264_p_frame(), idr, ts.h264_p_frame()])
    start = keyframe_start(data, ts.VIDEO_PID, VideoCodec.H264)
    assert start is not None
    assert idr.startswith(start)
    assert start.endswith(b"\x00\x00\x00\x01\x65")  # the IDR slice's start code and header
    assert len(start) < 40  # its delimiter and parameter sets, not the 5 kB picture
    assert parameter_sets(VideoCodec.H264, start) == parameter_sets(VideoCodec.H264, idr)


@given(
    st.integers(min_value=1, max_value=20_000),
    st.lists(sei_units, max_size=3),
)
def test_a_keyframes_start_has_the_parameter_sets_of_the_whole_keyframe(
    size: int, seis: list[bytes]
) -> None:
    """Whatever the picture's size and however many packets the SEI before it fill, the
    start of the keyframe yields the same parameter sets as the whole keyframe."""
    idr = ts.annexb([ts.H264_AUD, ts.H264_SPS, ts.H264_PPS, *seis, b"\x65\x88" + b"\x11" * size])
    data = ts.segment([ts.h264_p_frame(300), idr], audio_units=[b"a" * 500])
    start = keyframe_start(data, ts.VIDEO_PID, VideoCodec.H264)
    whole = first_keyframe(data, ts.VIDEO_PID, VideoCodec.H264, complete=True)
    assert start is not None
    assert whole is not None
    assert parameter_sets(VideoCodec.H264, start) == parameter_sets(VideoCodec.H264, whole.data)


def test_without_a_keyframes_picture_in_the_data_its_start_is_not_known() -> None:
    """Only P frames, or data that ends inside the keyframe's parameter sets: ``None``, and
    the caller collects the whole keyframe instead."""
    only_p = ts.segment([ts.h264_p_frame(), ts.h264_p_frame()])
    assert keyframe_start(only_p, ts.VIDEO_PID, VideoCodec.H264) is None
    long_sei = b"\x06" + b"\x05" * 1000  # the slice begins six packets in
    idr = ts.annexb([ts.H264_AUD, ts.H264_SPS, ts.H264_PPS, long_sei, b"\x65\x88" + b"\x11" * 40])
    data = ts.segment([idr])
    cut = data[: 3 * TS_PACKET_SIZE]  # PAT, PMT and the keyframe's first packet
    assert keyframe_start(cut, ts.VIDEO_PID, VideoCodec.H264) is None
    assert keyframe_start(data, ts.VIDEO_PID, VideoCodec.H264) is not None


def test_an_hevc_keyframes_start_holds_its_vps_sps_and_pps() -> None:
    """HEVC: trailing pictures are passed over, the IDR's start holds its three sets."""
    vps, sps, pps = b"\x40\x01\x0c", b"\x42\x01\x01", b"\x44\x01\xc1"
    idr = ts.annexb([vps, sps, pps, b"\x26\x01" + b"\x33" * 500])
    trail = ts.annexb([b"\x02\x01" + b"\x44" * 50])
    data = ts.segment([trail, idr, trail], video_type=StreamType.HEVC)
    start = keyframe_start(data, ts.VIDEO_PID, VideoCodec.HEVC)
    assert start is not None
    assert parameter_sets(VideoCodec.HEVC, start) == ts.annexb([vps, sps, pps]).replace(
        b"\x00\x00\x00\x01", b"\x00\x00\x01"
    )


def test_every_pes_of_a_pid_is_returned_in_order() -> None:
    """Bounded audio PES packets come back as their payloads."""
    frames = [bytes([i]) * (100 + i * 90) for i in range(5)]
    data = ts.segment([ts.h264_idr()], audio_units=frames)
    assert [p.data for p in elementary_stream(data, ts.AUDIO_PID)] == frames


@given(st.binary(min_size=0, max_size=4000))
def test_random_bytes_raise_nothing_but_invalid_input(data: bytes) -> None:
    """Whatever the bytes, the parser answers or raises InvalidInput."""
    with contextlib.suppress(InvalidInput):
        read_program_map(data)
    with contextlib.suppress(InvalidInput):
        first_keyframe(data, ts.VIDEO_PID, VideoCodec.H264, complete=True)
    with contextlib.suppress(InvalidInput):
        keyframe_start(data, ts.VIDEO_PID, VideoCodec.H264)


@given(st.data())
def test_a_damaged_segment_raises_nothing_but_invalid_input(data: st.DataObject) -> None:
    """Bytes of a real-looking segment overwritten at random still fail only cleanly."""
    raw = bytearray(ts.segment([ts.h264_p_frame(300), ts.h264_idr(900)], audio_units=[b"a" * 300]))
    for _ in range(data.draw(st.integers(1, 20))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    for call in (
        lambda: read_program_map(bytes(raw)),
        lambda: first_keyframe(bytes(raw), ts.VIDEO_PID, VideoCodec.H264, complete=True),
        lambda: elementary_stream(bytes(raw), ts.AUDIO_PID),
        lambda: keyframe_start(bytes(raw), ts.VIDEO_PID, VideoCodec.H264),
    ):
        with contextlib.suppress(InvalidInput):
            call()
