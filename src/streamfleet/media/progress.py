"""Parser of FFmpeg ``-progress`` output: ``key=value`` lines, a block ending in ``progress=``.

A block (FFmpeg 9, HLS output)::

    frame=134 fps=25.00 stream_0_0_q=-1.0 bitrate=N/A total_size=N/A
    out_time_us=8362667 out_time_ms=8362667 out_time=00:00:08.362667
    dup_frames=0 drop_frames=0 speed=1.19x progress=continue

``ProgressParser.feed`` takes raw bytes in chunks of any size (lines may be
split between chunks) and returns the blocks they completed. Values that are
missing or ``N/A`` become ``None``; nothing here raises on odd input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MAX_PENDING_BYTES: Final = 64 * 1024
"""A line longer than this is garbage; the parser drops it instead of growing."""
MAX_FIELDS: Final = 64
"""A block with more keys than this is garbage; the parser starts the block again."""


@dataclass(frozen=True, slots=True)
class Progress:
    """One completed ``-progress`` block."""

    frame: int | None = None
    fps: float | None = None
    out_time_us: int | None = None
    dup_frames: int | None = None
    drop_frames: int | None = None
    speed: float | None = None
    total_size: int | None = None
    ended: bool = False
    """``progress=end``: FFmpeg is finishing."""


def parse_int(raw: bytes | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def parse_float(raw: bytes | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.rstrip(b"x"))
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def block_from(fields: dict[bytes, bytes], ended: bool) -> Progress:
    out_time_us = parse_int(fields.get(b"out_time_us"))
    if out_time_us is None:  # FFmpeg writes µs under both names; older builds only out_time_ms
        out_time_us = parse_int(fields.get(b"out_time_ms"))
    return Progress(
        frame=parse_int(fields.get(b"frame")),
        fps=parse_float(fields.get(b"fps")),
        out_time_us=out_time_us,
        dup_frames=parse_int(fields.get(b"dup_frames")),
        drop_frames=parse_int(fields.get(b"drop_frames")),
        speed=parse_float(fields.get(b"speed")),
        total_size=parse_int(fields.get(b"total_size")),
        ended=ended,
    )


class ProgressParser:
    """Incremental: keeps the unfinished line and the fields of the unfinished block."""

    __slots__ = ("_fields", "_pending")

    def __init__(self) -> None:
        self._pending = b""
        self._fields: dict[bytes, bytes] = {}

    def feed(self, data: bytes) -> list[Progress]:
        """The blocks completed by ``data`` (usually zero or one), oldest first."""
        if self._pending:
            data = self._pending + data
        lines = data.split(b"\n")
        tail = lines.pop()
        self._pending = tail if len(tail) <= MAX_PENDING_BYTES else b""
        blocks: list[Progress] = []
        fields = self._fields
        for line in lines:
            key, sep, value = line.partition(b"=")
            if not sep:
                continue
            key = key.strip()
            value = value.strip()
            if key == b"progress":
                blocks.append(block_from(fields, ended=value == b"end"))
                fields = self._fields = {}
            elif len(fields) < MAX_FIELDS:
                fields[key] = value
            else:
                fields.clear()
        return blocks
