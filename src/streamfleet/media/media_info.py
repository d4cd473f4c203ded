"""What a channel carries, read with PyAV from its own local HLS segments.

Never from the source URL: the wheel has no ffprobe and PyAV's FFmpeg has no
SRT, and a second reader would load the source. Opening a segment costs ~5 ms,
so this runs when a channel comes online, when its keyframe's parameter sets
change, and every few minutes; the bitrate alone (segment sizes over playlist
durations, no decoding) is cheap enough to refresh with every thumbnail.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import av

from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.times import iso_utc

KEYFRAME_SEGMENTS: Final = 3
"""How many of the newest segments are demuxed to measure the keyframe interval."""
BITRATE_SHIFT: Final = 0.25
"""A stored reading is written again when the bitrate moved by more than this share of it."""


@dataclass(frozen=True, slots=True)
class VideoInfo:
    codec: str
    profile: str | None
    width: int
    height: int
    fps: float | None
    keyframe_interval_s: float | None
    pix_fmt: str | None = None

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True, slots=True)
class AudioInfo:
    codec: str
    profile: str | None
    sample_rate: int
    channels: int


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """A channel's media as measured; ``to_dict()`` is the API's ``MediaInfo``."""

    video: VideoInfo | None
    audio: AudioInfo | None
    bitrate_kbps: float | None
    measured_at: datetime

    def to_dict(self) -> dict[str, Any]:
        video = self.video
        audio = self.audio
        return {
            "video": None
            if video is None
            else {
                "codec": video.codec,
                "profile": video.profile,
                "width": video.width,
                "height": video.height,
                "fps": video.fps,
                "keyframe_interval_s": video.keyframe_interval_s,
                "pix_fmt": video.pix_fmt,
            },
            "audio": None
            if audio is None
            else {
                "codec": audio.codec,
                "profile": audio.profile,
                "sample_rate": audio.sample_rate,
                "channels": audio.channels,
            },
            "bitrate_kbps": self.bitrate_kbps,
            "measured_at": iso_utc(self.measured_at),
        }

    def with_bitrate(self, bitrate_kbps: float | None, at: datetime) -> MediaInfo:
        return replace(self, bitrate_kbps=bitrate_kbps, measured_at=at)


def media_changes(previous: MediaInfo | None, current: MediaInfo) -> list[str]:
    """What changed that a viewer would notice: field names, bitrate and time left out.

    Names: ``resolution``, ``video_codec``, ``video_profile``, ``fps``,
    ``keyframe_interval``, ``audio_codec``, ``audio_format`` (rate or channels),
    ``video`` / ``audio`` (a stream appeared or went away).
    """
    if previous is None:
        return []
    changes = []
    old_v, new_v = previous.video, current.video
    if (old_v is None) != (new_v is None):
        changes.append("video")
    elif old_v is not None and new_v is not None:
        if old_v.resolution != new_v.resolution:
            changes.append("resolution")
        if old_v.codec != new_v.codec:
            changes.append("video_codec")
        if old_v.profile != new_v.profile:
            changes.append("video_profile")
        if not _close(old_v.fps, new_v.fps, 0.01):
            changes.append("fps")
        if not _close(old_v.keyframe_interval_s, new_v.keyframe_interval_s, 0.2):
            changes.append("keyframe_interval")
    old_a, new_a = previous.audio, current.audio
    if (old_a is None) != (new_a is None):
        changes.append("audio")
    elif old_a is not None and new_a is not None:
        if old_a.codec != new_a.codec:
            changes.append("audio_codec")
        if (old_a.sample_rate, old_a.channels) != (new_a.sample_rate, new_a.channels):
            changes.append("audio_format")
    return changes


def worth_storing(stored: MediaInfo | None, current: MediaInfo) -> bool:
    """Whether ``current`` should replace the reading ``stored`` elsewhere (a fleet's database):
    a first reading, a change ``media_changes`` names, or a bitrate that moved by more than
    ``BITRATE_SHIFT``. A new measuring time alone is not worth a write."""
    if stored is None or media_changes(stored, current):
        return True
    return not _close(stored.bitrate_kbps, current.bitrate_kbps, BITRATE_SHIFT)


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1.0)


def measured_bitrate_kbps(sizes_bytes: Sequence[int], durations_s: Sequence[float]) -> float | None:
    """Bytes over seconds of the listed segments, in kb/s (container overhead included)."""
    seconds = sum(durations_s)
    if seconds <= 0 or not sizes_bytes:
        return None
    return round(sum(sizes_bytes) * 8 / seconds / 1000, 1)


def keyframe_interval_s(keyframe_times_s: Sequence[float]) -> float | None:
    """The median gap between successive keyframes, or ``None`` with fewer than two."""
    gaps = [b - a for a, b in itertools.pairwise(keyframe_times_s) if b > a]
    if not gaps:
        return None
    return round(statistics.median(gaps), 3)


def read_media_info(
    segments: Sequence[Path], *, bitrate_kbps: float | None, at: datetime
) -> MediaInfo:
    """Media info from the newest segments (oldest first), ``segments[-1]`` described.

    Raises ``InvalidInput`` (field ``segment``) when the newest one cannot be read.
    """
    if not segments:
        raise InvalidInput.of("segment", "no segment to read")
    newest = segments[-1]
    keyframes: list[float] = []
    video: VideoInfo | None = None
    audio: AudioInfo | None = None
    for path in segments[-KEYFRAME_SEGMENTS:]:
        try:
            with av.open(str(path)) as container:
                if path == newest:
                    video, audio = _describe(container)
                if container.streams.video:
                    keyframes.extend(_keyframe_times(container))
        except av.FFmpegError as exc:
            if path == newest:
                raise InvalidInput.of("segment", f"{path.name}: {exc}") from None
        except OSError as exc:
            if path == newest:
                raise InvalidInput.of("segment", f"{path.name}: {exc.strerror or exc}") from None
    if video is not None:
        video = replace(video, keyframe_interval_s=keyframe_interval_s(sorted(set(keyframes))))
    return MediaInfo(video, audio, bitrate_kbps, at)


def _describe(container: Any) -> tuple[VideoInfo | None, AudioInfo | None]:
    video = audio = None
    if container.streams.video:
        stream = container.streams.video[0]
        context = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate
        video = VideoInfo(
            codec=context.name,
            profile=context.profile,
            width=context.width,
            height=context.height,
            fps=round(float(rate), 3) if rate else None,
            keyframe_interval_s=None,
            pix_fmt=context.pix_fmt,
        )
    if container.streams.audio:
        stream = container.streams.audio[0]
        context = stream.codec_context
        audio = AudioInfo(
            codec=context.name,
            profile=context.profile,
            sample_rate=context.sample_rate,
            channels=context.channels,
        )
    return video, audio


def _keyframe_times(container: Any) -> list[float]:
    stream = container.streams.video[0]
    base = stream.time_base
    times = []
    for packet in container.demux(stream):
        if packet.is_keyframe and packet.pts is not None:
            times.append(round(float(packet.pts * base), 3))
    return times
