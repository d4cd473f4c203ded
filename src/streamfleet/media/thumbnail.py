"""A channel's thumbnail: the first keyframe of a segment, decoded in-process, as a small JPEG.

The cheap path (H.264 and HEVC): read the head of the segment, find the first
keyframe's bytes with ``ts_packets`` and feed them to a decoder kept across
calls, so no container is opened and nothing is probed. Anything that path does
not understand (another codec, a keyframe it cannot find or decode) goes
through ``av.open`` with non-key frames skipped. Each decoded frame is scaled to
``THUMBNAIL_WIDTH_PX`` and encoded by a kept MJPEG encoder.

Every decoder and scaler runs with one thread, so the CPU a caller measures
with ``time.thread_time()`` is all the CPU a thumbnail costs.

``KeyframeDecoder`` and ``JpegEncoder`` keep state: use each from one thread
at a time. They may serve any channel (``codec_pool`` shares a few between all
channels): the decoder is set up again whenever a keyframe's parameter sets
differ from the ones it was set up with. Failures raise ``InvalidInput`` on the
field ``segment``, with the reason.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO, Final

import av

from streamfleet.domain.errors import InvalidInput
from streamfleet.media.nal_units import VideoCodec, parameter_sets
from streamfleet.media.ts_packets import (
    ElementaryStream,
    KeyframeAccessUnit,
    fast_path_codec,
    first_keyframe,
    keyframe_start,
    read_program_map,
)

THUMBNAIL_WIDTH_PX: Final = 320
HEAD_READ_BYTES: Final = 256 * 1024
"""First read of a segment: enough for the PAT, PMT and a typical keyframe."""
PARAMETER_HEAD_BYTES: Final = 16 * 1024
"""First read when only the parameter sets are wanted: the PAT, the PMT and the first
packets of the keyframe, which FFmpeg writes first in every segment."""
JPEG_QSCALE: Final = 4
"""MJPEG quantiser, 2 (best) .. 31; 4 gives ~8 KB for a busy 320x180 picture."""


def _bad(reason: str) -> InvalidInput:
    return InvalidInput.of("segment", reason)


@dataclass(frozen=True, slots=True)
class DecodedKeyframe:
    frame: av.VideoFrame
    codec: str
    sample_aspect_ratio: Fraction | None
    parameter_sets: bytes
    """The keyframe's SPS/PPS (and VPS); ``b""`` when decoded through ``av.open``."""
    fast_path: bool


def thumbnail_size(
    width: int, height: int, sample_aspect_ratio: Fraction | None = None, target_width: int = 320
) -> tuple[int, int]:
    """The thumbnail's size: ``target_width`` wide, the display aspect kept, both even."""
    if width <= 0 or height <= 0:
        raise _bad(f"frame size {width}x{height} is empty")
    sar = sample_aspect_ratio if sample_aspect_ratio and sample_aspect_ratio > 0 else Fraction(1)
    display_width = width * sar
    out_height = round(target_width * height / display_width / 2) * 2
    return target_width - target_width % 2, max(2, int(out_height))


class KeyframeDecoder:
    """Decodes the first keyframe of segments, keeping its decoder between calls."""

    def __init__(self) -> None:
        self._context: Any = None
        self._codec: VideoCodec | None = None
        self._parameter_sets = b""
        self.fast_path_failures = 0

    def decode(self, segment: Path) -> DecodedKeyframe:
        unit = _keyframe_unit(segment)
        if unit is not None:
            decoded = self._decode_unit(unit)
            if decoded is not None:
                return decoded
            self.fast_path_failures += 1
        return decode_with_container(segment)

    def _decode_unit(self, unit: KeyframeAccessUnit) -> DecodedKeyframe | None:
        sets = parameter_sets(unit.codec, unit.data)
        # A set-up made for other parameter sets (perhaps another channel's) is never reused;
        # FFmpeg's MPEG-TS muxer repeats SPS/PPS (VPS) before every keyframe it writes.
        if self._context is None or unit.codec is not self._codec or sets != self._parameter_sets:
            self._open(unit.codec)
            self._parameter_sets = sets
        context = self._context
        try:
            frames = context.decode(av.Packet(unit.data))
            if not frames:  # a decoder that holds frames back for reordering
                frames = context.decode(None)
                context.flush_buffers()
        except av.FFmpegError:
            self._context = None
            return None
        if not frames:
            return None
        return DecodedKeyframe(
            frames[0], unit.codec.value, _sar(context), self._parameter_sets, fast_path=True
        )

    def _open(self, codec: VideoCodec) -> None:
        context = av.CodecContext.create(codec.value, "r")
        context.thread_count = 1
        # Deblocking is invisible once the picture is scaled down 4x; skipping it saves ~12 %.
        context.options = {"skip_loop_filter": "all"}
        self._context = context
        self._codec = codec


def keyframe_parameter_sets(segment: Path) -> bytes:
    """The SPS/PPS (and VPS) of the segment's first keyframe, found without decoding
    (``b""`` when the cheap path does not apply: another codec, no parameter sets in the
    keyframe). What tells a reconfigured stream apart while no picture is wanted.

    They come before the keyframe's picture, so the first ``PARAMETER_HEAD_BYTES`` hold them
    in a segment FFmpeg wrote (it starts with the keyframe); the keyframe's picture is
    neither read nor collected unless they do not."""
    with _opened(segment) as handle:
        head = _head(handle, segment, PARAMETER_HEAD_BYTES)
    video = _video_stream(head, segment)
    codec = fast_path_codec(video.stream_type)
    if codec is None:
        return b""
    start = keyframe_start(head, video.pid, codec)
    if start is not None:
        return parameter_sets(codec, start)
    unit = _keyframe_unit(segment)  # a keyframe further in: collect it whole
    return parameter_sets(unit.codec, unit.data) if unit is not None else b""


def _keyframe_unit(segment: Path) -> KeyframeAccessUnit | None:
    """The first keyframe's access unit of an H.264/HEVC segment, ``None`` for other codecs."""
    with _opened(segment) as handle:
        head = _head(handle, segment, HEAD_READ_BYTES)
        video = _video_stream(head, segment)
        codec = fast_path_codec(video.stream_type)
        if codec is None:
            return None
        complete = len(head) < HEAD_READ_BYTES
        unit = first_keyframe(head, video.pid, codec, complete=complete)
        if unit is None:
            head += handle.read()
            unit = first_keyframe(head, video.pid, codec, complete=True)
        if unit is None:  # not reached: a complete segment has a keyframe or raises
            raise _bad(f"{segment.name} has no keyframe")
        return unit


def _opened(segment: Path) -> BinaryIO:
    try:
        return segment.open("rb")
    except OSError as exc:
        raise _bad(f"cannot open {segment.name}: {exc.strerror or exc}") from None


def _head(handle: BinaryIO, segment: Path, size: int) -> bytes:
    head = handle.read(size)
    if not head:
        raise _bad(f"{segment.name} is empty")
    return head


def _video_stream(head: bytes, segment: Path) -> ElementaryStream:
    video = read_program_map(head).video
    if video is None:
        raise _bad(f"{segment.name} has no video stream")
    return video


def decode_with_container(segment: Path) -> DecodedKeyframe:
    """The first keyframe through ``av.open``: slower, but any codec PyAV knows."""
    try:
        with av.open(str(segment), options={"probesize": "65536"}) as container:
            if not container.streams.video:
                raise _bad(f"{segment.name} has no video stream")
            stream = container.streams.video[0]
            stream.thread_count = 1
            stream.codec_context.skip_frame = "NONKEY"
            for frame in container.decode(stream):
                return DecodedKeyframe(
                    frame,
                    stream.codec_context.name,
                    _sar(stream.codec_context),
                    b"",
                    fast_path=False,
                )
    except av.FFmpegError as exc:
        raise _bad(f"{segment.name}: {exc}") from None
    raise _bad(f"{segment.name} has no decodable keyframe")


def _sar(context: Any) -> Fraction | None:
    value = context.sample_aspect_ratio
    return Fraction(value) if value else None


class JpegEncoder:
    """Scales a frame to thumbnail width and encodes it as JPEG, keeping its encoder."""

    def __init__(self, width: int = THUMBNAIL_WIDTH_PX, qscale: int = JPEG_QSCALE) -> None:
        self._width = width
        self._qscale = qscale
        self._context: Any = None
        self._size: tuple[int, int] | None = None
        self._pts = 0

    def encode(self, keyframe: DecodedKeyframe) -> bytes:
        frame = keyframe.frame
        size = thumbnail_size(frame.width, frame.height, keyframe.sample_aspect_ratio, self._width)
        if size != self._size:
            self._open(size)
        small = frame.reformat(
            width=size[0],
            height=size[1],
            format="yuv420p",
            interpolation="FAST_BILINEAR",
            src_color_range=frame.color_range or "MPEG",
            dst_color_range="JPEG",
            threads=1,
        )
        small.color_range = 2  # JPEG (full) range, what MJPEG expects
        small.time_base = self._context.time_base
        small.pts = self._pts
        self._pts += 1
        try:
            packets = self._context.encode(small)
        except av.FFmpegError as exc:
            self._context = None
            self._size = None
            raise _bad(f"JPEG encoding failed: {exc}") from None
        if not packets:
            raise _bad("JPEG encoder returned nothing")
        return bytes(packets[0])

    def _open(self, size: tuple[int, int]) -> None:
        context = av.CodecContext.create("mjpeg", "w")
        context.width, context.height = size
        context.pix_fmt = "yuv420p"
        context.color_range = 2
        context.time_base = Fraction(1, 25)
        context.qmin = context.qmax = self._qscale
        context.thread_count = 1
        self._context = context
        self._size = size
        self._pts = 0


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
