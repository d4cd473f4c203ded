"""H.264 and HEVC NAL units in Annex B byte streams (``00 00 01`` start codes).

Just enough to tell a keyframe from other frames and to notice when the
parameter sets (and with them, usually, the resolution) change. Pure.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Final

START_CODE: Final = b"\x00\x00\x01"


class VideoCodec(enum.StrEnum):
    """Codec names as PyAV's ``CodecContext.create`` knows them."""

    H264 = "h264"
    HEVC = "hevc"


H264_IDR: Final = 5
H264_SPS: Final = 7
H264_PPS: Final = 8
HEVC_IRAP: Final = range(16, 22)
"""BLA, IDR and CRA pictures: a decoder can start at any of them."""
HEVC_FIRST_NON_VCL: Final = 32
"""HEVC NAL types below this carry picture data (VCL)."""
HEVC_VPS: Final = 32
HEVC_SPS: Final = 33
HEVC_PPS: Final = 34


def unit_offsets(stream: bytes) -> Iterator[tuple[int, int]]:
    """``(begin, end)`` of each NAL unit of an Annex B stream, start codes excluded.

    Bytes before the first start code are ignored; trailing zero bytes (the
    leading zero of a four-byte start code, or padding) are not part of a unit.
    Empty units are skipped.
    """
    start = stream.find(START_CODE)
    while start != -1:
        begin = start + 3
        nxt = stream.find(START_CODE, begin)
        end = len(stream) if nxt == -1 else nxt
        while end > begin and stream[end - 1] == 0:
            end -= 1
        if end > begin:
            yield begin, end
        start = nxt


def nal_units(stream: bytes) -> Iterator[bytes]:
    """The NAL units of an Annex B stream, each without its start code."""
    for begin, end in unit_offsets(stream):
        yield stream[begin:end]


def nal_type(codec: VideoCodec, header: int) -> int:
    """The NAL unit type from the unit's first header byte."""
    if codec is VideoCodec.H264:
        return header & 0x1F
    return (header >> 1) & 0x3F


def is_picture(codec: VideoCodec, kind: int) -> bool:
    """Whether NAL units of type ``kind`` carry (a slice of) a picture: the VCL types."""
    return 1 <= kind <= H264_IDR if codec is VideoCodec.H264 else kind < HEVC_FIRST_NON_VCL


def is_random_access(codec: VideoCodec, kind: int) -> bool:
    """Whether a picture NAL unit of type ``kind`` is one a fresh decoder can start from."""
    return kind == H264_IDR if codec is VideoCodec.H264 else kind in HEVC_IRAP


def first_picture(codec: VideoCodec, stream: bytes) -> tuple[int, int] | None:
    """``(offset, type)`` of the first picture NAL unit of ``stream`` (the offset of its
    header byte), ``None`` while none has begun. Parameter sets come before it."""
    for begin, _ in unit_offsets(stream):
        kind = nal_type(codec, stream[begin])
        if is_picture(codec, kind):
            return begin, kind
    return None


def is_keyframe(codec: VideoCodec, access_unit: bytes) -> bool:
    """Whether the access unit holds a picture a fresh decoder can start from."""
    return any(
        is_random_access(codec, nal_type(codec, access_unit[begin]))
        for begin, _ in unit_offsets(access_unit)
    )


def parameter_sets(codec: VideoCodec, access_unit: bytes) -> bytes:
    """The access unit's parameter-set NAL units joined with start codes (``b""`` if none).

    Two keyframes with equal parameter sets decode with the same decoder
    set-up; a change means the stream was reconfigured (new resolution, profile…).
    """
    wanted = (H264_SPS, H264_PPS) if codec is VideoCodec.H264 else (HEVC_VPS, HEVC_SPS, HEVC_PPS)
    return b"".join(
        START_CODE + access_unit[begin:end]
        for begin, end in unit_offsets(access_unit)
        if nal_type(codec, access_unit[begin]) in wanted
    )
