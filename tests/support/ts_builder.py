"""Hand-made MPEG-TS bytes for parser tests: packets, PAT/PMT sections, PES packets.

Written from the standard (ISO/IEC 13818-1), independently of the parser under test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

PACKET = 188
START = b"\x00\x00\x01"


def crc32_mpeg2(data: bytes) -> int:
    """Bit-by-bit CRC-32/MPEG-2, the slow obvious way (the parser uses a table)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else crc << 1
    return crc & 0xFFFFFFFF


def packet(
    pid: int,
    payload: bytes,
    *,
    unit_start: bool = False,
    cc: int = 0,
    random_access: bool = False,
    error: bool = False,
) -> bytes:
    """One 188-byte packet; a short payload is padded with adaptation-field stuffing."""
    assert len(payload) <= 184
    b1 = (0x80 if error else 0) | (0x40 if unit_start else 0) | (pid >> 8)
    header = bytes([0x47, b1, pid & 0xFF])
    room = 184 - len(payload)
    if room == 0 and not random_access:
        return header + bytes([0x10 | (cc & 0xF)]) + payload
    if room == 0:
        raise ValueError("no room for the adaptation field")
    # adaptation field: length byte + (flags byte + stuffing) filling ``room - 1`` bytes
    af_length = room - 1
    if af_length == 0:
        adaptation = b"\x00"
    else:
        flags = 0x40 if random_access else 0x00
        adaptation = bytes([af_length, flags]) + b"\xff" * (af_length - 1)
    control = 0x30 if payload else 0x20
    return header + bytes([control | (cc & 0xF)]) + adaptation + payload


def packetize(pid: int, data: bytes, *, random_access: bool = False) -> list[bytes]:
    """``data`` (a PES packet or pointer+section) split into packets, the first a unit start."""
    out = []
    first = True
    for cc, offset in enumerate(range(0, max(len(data), 1), 184)):
        chunk = data[offset : offset + 184]
        out.append(
            packet(
                pid,
                chunk,
                unit_start=first,
                cc=cc,
                random_access=random_access and first,
            )
        )
        first = False
    return out


def _section(table_id: int, extension: int, body: bytes) -> bytes:
    length = 5 + len(body) + 4  # after the length field: ext(2) ver(1) sec(1) last(1) body crc
    head = bytes(
        [
            table_id,
            0xB0 | (length >> 8),
            length & 0xFF,
            extension >> 8,
            extension & 0xFF,
            0xC1,
            0x00,
            0x00,
        ]
    )
    without_crc = head + body
    return without_crc + crc32_mpeg2(without_crc).to_bytes(4, "big")


def pat_section(programs: dict[int, int], transport_stream_id: int = 1) -> bytes:
    body = b"".join(
        number.to_bytes(2, "big") + bytes([0xE0 | (pid >> 8), pid & 0xFF])
        for number, pid in programs.items()
    )
    return _section(0x00, transport_stream_id, body)


def pmt_section(program: int, streams: Sequence[tuple[int, int]], pcr_pid: int = 0x100) -> bytes:
    """``streams`` = ``[(stream_type, pid), …]``."""
    body = bytes([0xE0 | (pcr_pid >> 8), pcr_pid & 0xFF, 0xF0, 0x00])
    for stream_type, pid in streams:
        body += bytes([stream_type, 0xE0 | (pid >> 8), pid & 0xFF, 0xF0, 0x00])
    return _section(0x02, program, body)


def psi_packets(pid: int, section: bytes) -> list[bytes]:
    return packetize(pid, b"\x00" + section)


def encode_pts(pts: int, marker: int = 0x2) -> bytes:
    return bytes(
        [
            (marker << 4) | (((pts >> 30) & 0x07) << 1) | 1,
            (pts >> 22) & 0xFF,
            (((pts >> 15) & 0x7F) << 1) | 1,
            (pts >> 7) & 0xFF,
            ((pts & 0x7F) << 1) | 1,
        ]
    )


def pes_packet(
    stream_id: int, es: bytes, pts: int | None = None, *, bounded: bool = False
) -> bytes:
    optional = encode_pts(pts) if pts is not None else b""
    header = bytes([0x80, 0x80 if pts is not None else 0x00, len(optional)]) + optional
    length = len(header) + len(es) if bounded else 0
    return START + bytes([stream_id]) + length.to_bytes(2, "big") + header + es


def annexb(units: Iterable[bytes]) -> bytes:
    return b"".join(b"\x00\x00\x00\x01" + unit for unit in units)


# Recognisable H.264 access units (parser tests only: not decodable).
H264_AUD = b"\x09\xf0"
H264_SPS = b"\x67\x64\x00\x1f\xac\xd9\x40"
H264_PPS = b"\x68\xeb\xe3\xcb"
H264_SEI = b"\x06\x05\x01\xff"


def h264_idr(size: int = 40) -> bytes:
    return annexb([H264_AUD, H264_SPS, H264_PPS, b"\x65\x88" + b"\x11" * size])


def h264_p_frame(size: int = 40) -> bytes:
    return annexb([H264_AUD, b"\x41\x9a" + b"\x22" * size])


VIDEO_PID = 0x100
AUDIO_PID = 0x101
PMT_PID = 0x1000


def segment(
    video_units: Sequence[bytes],
    *,
    video_type: int = 0x1B,
    audio_units: Sequence[bytes] = (),
    audio_type: int = 0x0F,
    with_pat: bool = True,
) -> bytes:
    """PAT, PMT, then one PES per unit (video PES unbounded, audio bounded), 90 kHz PTS."""
    streams = [(video_type, VIDEO_PID)]
    if audio_units:
        streams.append((audio_type, AUDIO_PID))
    out: list[bytes] = []
    if with_pat:
        out += psi_packets(0, pat_section({1: PMT_PID}))
    out += psi_packets(PMT_PID, pmt_section(1, streams))
    for i, unit in enumerate(video_units):
        out += packetize(VIDEO_PID, pes_packet(0xE0, unit, pts=90_000 + i * 3600))
    for i, unit in enumerate(audio_units):
        out += packetize(AUDIO_PID, pes_packet(0xC0, unit, pts=90_000 + i * 1920, bounded=True))
    return b"".join(out)
