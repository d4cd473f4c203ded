"""MPEG-TS read just far enough to pull elementary-stream data out of an HLS segment.

A segment is a run of 188-byte packets. The PAT (PID 0) names the PMT's PID;
the PMT lists the elementary streams and their stream types; each stream's
packets carry PES packets, and an HLS segment written by FFmpeg puts one video
access unit (one frame, with SPS/PPS before every keyframe) in each PES.

The thumbnailer uses this to hand the first keyframe's bytes straight to a kept
decoder, skipping the container open and stream probing that cost most of a
PyAV thumbnail. Pure: bytes in, data out; a broken stream raises ``InvalidInput``
on the field ``segment`` with the reason.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from streamfleet.domain.errors import InvalidInput
from streamfleet.media.nal_units import (
    VideoCodec,
    first_picture,
    is_keyframe,
    is_random_access,
)

TS_PACKET_SIZE: Final = 188
SYNC_BYTE: Final = 0x47
PAT_PID: Final = 0x0000
NULL_PID: Final = 0x1FFF
SYNC_SEARCH_BYTES: Final = TS_PACKET_SIZE * 4
"""How far into the data the first sync byte may lie (some writers pad the start)."""


class StreamType(enum.IntEnum):
    """The PMT stream types streamfleet meets in HLS segments."""

    MPEG1_VIDEO = 0x01
    MPEG2_VIDEO = 0x02
    MPEG1_AUDIO = 0x03
    MPEG2_AUDIO = 0x04
    AAC_ADTS = 0x0F
    AAC_LATM = 0x11
    H264 = 0x1B
    HEVC = 0x24
    AC3 = 0x81
    EAC3 = 0x87


VIDEO_STREAM_TYPES: Final = frozenset(
    {StreamType.MPEG1_VIDEO, StreamType.MPEG2_VIDEO, StreamType.H264, StreamType.HEVC}
)
AUDIO_STREAM_TYPES: Final = frozenset(
    {
        StreamType.MPEG1_AUDIO,
        StreamType.MPEG2_AUDIO,
        StreamType.AAC_ADTS,
        StreamType.AAC_LATM,
        StreamType.AC3,
        StreamType.EAC3,
    }
)
AUDIO_DECODER_BY_STREAM_TYPE: Final[dict[int, str]] = {
    StreamType.MPEG1_AUDIO: "mp2",
    StreamType.MPEG2_AUDIO: "mp2",
    StreamType.AAC_ADTS: "aac",
    StreamType.AAC_LATM: "aac_latm",
    StreamType.AC3: "ac3",
    StreamType.EAC3: "eac3",
}
_FAST_VIDEO_CODECS: Final[dict[int, VideoCodec]] = {
    StreamType.H264: VideoCodec.H264,
    StreamType.HEVC: VideoCodec.HEVC,
}


def _bad(reason: str) -> InvalidInput:
    return InvalidInput.of("segment", reason)


@dataclass(frozen=True, slots=True)
class TsPacket:
    pid: int
    unit_start: bool
    """payload_unit_start_indicator: a PES packet or a PSI section starts here."""
    continuity: int
    random_access: bool
    payload: bytes


@dataclass(frozen=True, slots=True)
class ElementaryStream:
    pid: int
    stream_type: int

    @property
    def is_video(self) -> bool:
        return self.stream_type in VIDEO_STREAM_TYPES

    @property
    def is_audio(self) -> bool:
        return self.stream_type in AUDIO_STREAM_TYPES


@dataclass(frozen=True, slots=True)
class PesHeader:
    stream_id: int
    packet_length: int
    """PES_packet_length: bytes after this field, or 0 for "unbounded" (video)."""
    pts: int | None
    """Presentation time stamp in 90 kHz ticks."""
    payload_offset: int
    """Where the elementary-stream data starts, counted from the ``00 00 01`` prefix."""


@dataclass(frozen=True, slots=True)
class KeyframeAccessUnit:
    """The bytes of the first video keyframe (Annex B, with its parameter sets)."""

    codec: VideoCodec
    pid: int
    pts: int | None
    data: bytes


# Packets ---------------------------------------------------------------------------


def find_sync(data: bytes) -> int:
    """Offset of the first packet: a sync byte followed by sync bytes 188 bytes apart."""
    limit = min(len(data), SYNC_SEARCH_BYTES)
    for offset in range(limit):
        if data[offset] != SYNC_BYTE:
            continue
        following = range(offset + TS_PACKET_SIZE, min(len(data), offset + 3 * TS_PACKET_SIZE), 188)
        if all(data[o] == SYNC_BYTE for o in following):
            return offset
    raise _bad("no MPEG-TS sync byte found")


def iter_packets(data: bytes, only_pid: int | None = None) -> Iterator[TsPacket]:
    """Every whole packet of ``data`` (of ``only_pid`` if given), in order.

    Packets flagged with a transport error and null packets are skipped; a
    missing sync byte raises ``InvalidInput``.
    """
    offset = find_sync(data)
    end = len(data) - TS_PACKET_SIZE
    while offset <= end:
        if data[offset] != SYNC_BYTE:
            raise _bad(f"lost MPEG-TS sync at byte {offset}")
        b1 = data[offset + 1]
        pid = ((b1 & 0x1F) << 8) | data[offset + 2]
        if b1 & 0x80 or pid == NULL_PID or (only_pid is not None and pid != only_pid):
            offset += TS_PACKET_SIZE
            continue
        b3 = data[offset + 3]
        control = (b3 >> 4) & 0x3
        start = offset + 4
        random_access = False
        packet_end = offset + TS_PACKET_SIZE
        if control & 0x2:  # adaptation field present
            af_length = data[start]
            if start + 1 + af_length > packet_end:
                raise _bad(f"adaptation field longer than its packet at byte {offset}")
            if af_length > 0:
                random_access = bool(data[start + 1] & 0x40)
            start += 1 + af_length
        payload = data[start:packet_end] if control & 0x1 and start < packet_end else b""
        yield TsPacket(pid, bool(b1 & 0x40), b3 & 0x0F, random_access, payload)
        offset = packet_end


# PSI: PAT and PMT ---------------------------------------------------------------------


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return tuple(table)


_CRC_TABLE: Final = _crc_table()


def crc32_mpeg2(data: bytes) -> int:
    """CRC-32/MPEG-2 (poly 0x04C11DB7, init 0xFFFFFFFF, no reflection, no final xor)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[(crc >> 24) ^ byte]
    return crc


def section_length(section: bytes) -> int | None:
    """Total bytes of the section starting at ``section[0]``, or ``None`` if too short to tell."""
    if len(section) < 3:
        return None
    return 3 + (((section[1] & 0x0F) << 8) | section[2])


def _checked_section(section: bytes, table_id: int, name: str) -> bytes:
    total = section_length(section)
    if total is None or total > len(section) or total < 12:
        raise _bad(f"{name} section is truncated")
    section = section[:total]
    if section[0] != table_id:
        raise _bad(f"{name} has table id 0x{section[0]:02x}, expected 0x{table_id:02x}")
    if crc32_mpeg2(section) != 0:
        raise _bad(f"{name} CRC mismatch")
    return section


def parse_pat(section: bytes) -> dict[int, int]:
    """Program number → PMT PID, from a complete PAT section (CRC checked)."""
    section = _checked_section(section, 0x00, "PAT")
    programs: dict[int, int] = {}
    for i in range(8, len(section) - 4, 4):
        number = (section[i] << 8) | section[i + 1]
        pid = ((section[i + 2] & 0x1F) << 8) | section[i + 3]
        if number != 0:  # 0 names the network information table
            programs[number] = pid
    return programs


def parse_pmt(section: bytes) -> list[ElementaryStream]:
    """The elementary streams of one program, from a complete PMT section (CRC checked)."""
    section = _checked_section(section, 0x02, "PMT")
    info_length = ((section[10] & 0x0F) << 8) | section[11]
    i = 12 + info_length
    end = len(section) - 4
    streams = []
    while i + 5 <= end:
        stream_type = section[i]
        pid = ((section[i + 1] & 0x1F) << 8) | section[i + 2]
        es_info_length = ((section[i + 3] & 0x0F) << 8) | section[i + 4]
        streams.append(ElementaryStream(pid, stream_type))
        i += 5 + es_info_length
    return streams


def psi_section_start(payload: bytes) -> bytes:
    """The section bytes of a packet that starts one (after its pointer field)."""
    if not payload:
        raise _bad("empty PSI packet")
    start = 1 + payload[0]
    if start > len(payload):
        raise _bad("PSI pointer field points past the packet")
    return payload[start:]


# PES ---------------------------------------------------------------------------------


PES_FIXED_HEADER_BYTES: Final = 9
"""Prefix, stream id, length, two flag bytes and the header-data length: then ``data[8]`` bytes."""


def parse_pes_header(data: bytes) -> PesHeader:
    """The header of the PES packet starting at ``data[0]`` (``00 00 01 stream_id``)."""
    if len(data) < PES_FIXED_HEADER_BYTES or data[0:3] != b"\x00\x00\x01":
        raise _bad("PES packet does not start with 00 00 01")
    stream_id = data[3]
    packet_length = (data[4] << 8) | data[5]
    if stream_id in (0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xF2, 0xF8, 0xFF):
        return PesHeader(stream_id, packet_length, None, 6)  # no optional header
    header_length = data[8]
    payload_offset = PES_FIXED_HEADER_BYTES + header_length
    pts = None
    if data[7] & 0x80:
        if header_length < 5 or len(data) < 14:
            raise _bad("PES header too short for its PTS")
        p = data[9:14]
        pts = ((p[0] >> 1) & 0x07) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
    if payload_offset > len(data):
        raise _bad("PES header longer than its packet")
    return PesHeader(stream_id, packet_length, pts, payload_offset)


@dataclass(frozen=True, slots=True)
class Pes:
    pid: int
    pts: int | None
    data: bytes
    """The elementary-stream bytes (header removed)."""


class _PesAssembler:
    """Collects the packets of one PID into PES packets."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._parts: list[bytes] = []

    def feed(self, packet: TsPacket) -> Pes | None:
        """Add a packet; returns the previous PES when this packet starts a new one."""
        finished = None
        if packet.unit_start:
            finished = self.finish()
            self._parts = [packet.payload]
        elif self._parts:
            self._parts.append(packet.payload)
        return finished

    def finish(self) -> Pes | None:
        if not self._parts:
            return None
        raw = b"".join(self._parts)
        self._parts = []
        header = parse_pes_header(raw)
        end = len(raw)
        if header.packet_length:
            end = min(end, 6 + header.packet_length)
        return Pes(self.pid, header.pts, raw[header.payload_offset : end])


# Program map -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgramMap:
    """The first program's elementary streams, found at the start of a segment."""

    streams: tuple[ElementaryStream, ...]

    @property
    def video(self) -> ElementaryStream | None:
        return next((s for s in self.streams if s.is_video), None)

    @property
    def audio(self) -> ElementaryStream | None:
        return next((s for s in self.streams if s.is_audio), None)


class _PsiReader:
    """Follows PAT then PMT through the packets until the program map is known."""

    def __init__(self) -> None:
        self.pmt_pid: int | None = None
        self.program_map: ProgramMap | None = None
        self._pending: dict[int, bytes] = {}

    def feed(self, packet: TsPacket) -> None:
        if packet.pid not in (PAT_PID, self.pmt_pid) or self.program_map is not None:
            return
        if packet.unit_start:
            buffered = psi_section_start(packet.payload)
        elif packet.pid in self._pending:
            buffered = self._pending[packet.pid] + packet.payload
        else:
            return
        total = section_length(buffered)
        if total is None or total > len(buffered):
            self._pending[packet.pid] = buffered
            return
        self._pending.pop(packet.pid, None)
        if packet.pid == PAT_PID:
            programs = parse_pat(buffered)
            if not programs:
                raise _bad("PAT lists no program")
            self.pmt_pid = programs[min(programs)]
        else:
            self.program_map = ProgramMap(tuple(parse_pmt(buffered)))


def read_program_map(data: bytes) -> ProgramMap:
    """The program map at the start of ``data`` (raises ``InvalidInput`` if absent)."""
    psi = _PsiReader()
    for packet in iter_packets(data):
        psi.feed(packet)
        if psi.program_map is not None:
            return psi.program_map
    raise _bad("no PAT/PMT found" if psi.pmt_pid is None else "no PMT found")


def fast_path_codec(stream_type: int) -> VideoCodec | None:
    """The codec whose keyframes ``first_keyframe`` can find, or ``None`` (use a full decoder)."""
    return _FAST_VIDEO_CODECS.get(stream_type)


def first_keyframe(
    data: bytes, pid: int, codec: VideoCodec, *, complete: bool
) -> KeyframeAccessUnit | None:
    """The first keyframe access unit of the video stream ``pid`` in ``data``.

    ``complete`` says whether ``data`` is the whole segment. When it is not, a
    keyframe that may continue past the end is not returned: the answer is
    ``None`` ("read more"). Raises ``InvalidInput`` when a whole segment holds
    no keyframe.
    """
    assembler = _PesAssembler(pid)
    for packet in iter_packets(data, pid):
        pes = assembler.feed(packet)
        if pes is not None and is_keyframe(codec, pes.data):
            return KeyframeAccessUnit(codec, pid, pes.pts, pes.data)
    if not complete:
        return None
    last = assembler.finish()
    if last is not None and is_keyframe(codec, last.data):
        return KeyframeAccessUnit(codec, pid, last.pts, last.data)
    raise _bad("no keyframe in segment")


def keyframe_start(data: bytes, pid: int, codec: VideoCodec) -> bytes | None:
    """The first keyframe of the video stream ``pid`` in ``data``, up to the header of its
    first picture NAL unit: its delimiter, parameter sets and SEI, without the picture.

    Stops a packet or two into the keyframe's PES where ``first_keyframe`` collects all
    of it (a 720p keyframe spans hundreds of packets). ``None`` when ``data`` ends first:
    read the whole access unit instead.
    """
    parts: list[bytes] = []
    for packet in iter_packets(data, pid):
        if packet.unit_start:
            parts = [packet.payload]
        elif not parts:
            continue  # the tail of a PES that began before ``data``
        else:
            parts.append(packet.payload)
        raw = b"".join(parts)
        if len(raw) < PES_FIXED_HEADER_BYTES or PES_FIXED_HEADER_BYTES + raw[8] > len(raw):
            continue  # the PES header goes on in the next packet
        stream = raw[parse_pes_header(raw).payload_offset :]
        picture = first_picture(codec, stream)
        if picture is None:
            continue
        offset, kind = picture
        if is_random_access(codec, kind):
            return stream[: offset + 1]
        parts = []  # a picture that is not a keyframe: wait for the next PES
    return None


def elementary_stream(data: bytes, pid: int) -> list[Pes]:
    """Every complete PES packet of ``pid`` in ``data`` (the whole segment)."""
    assembler = _PesAssembler(pid)
    out = []
    for packet in iter_packets(data, pid):
        pes = assembler.feed(packet)
        if pes is not None:
            out.append(pes)
    last = assembler.finish()
    if last is not None:
        out.append(last)
    return out
